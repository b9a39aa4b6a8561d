"""The producers' event logs as one dependency: ``self.event_logs["registry"].events_since(...)``.

One nameko RPC proxy per source, sharing one reply listener, so a consumer reads every source's
``events_since`` without an ``RpcProxy`` attribute per source on the service. ``fetch_page`` reads
one page with a time limit, so a producer that hangs cannot hold a catch-up for ever.
"""

import eventlet
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy

CATCH_UP_BATCH = 500
CATCH_UP_CALL_TIMEOUT = 30


class EventLogs(DependencyProvider):
    rpc_reply_listener = ReplyListener()

    def __init__(self, sources: tuple[str, ...]) -> None:
        self.sources = sources

    def get_dependency(self, worker_ctx) -> dict[str, ServiceProxy]:
        return {source: ServiceProxy(worker_ctx, source, self.rpc_reply_listener)
                for source in self.sources}


def fetch_page(producer: ServiceProxy, position: int) -> list[dict]:
    """The producer's next ``CATCH_UP_BATCH`` log entries after ``position``."""
    with eventlet.Timeout(CATCH_UP_CALL_TIMEOUT):
        return producer.events_since.call_async(position, CATCH_UP_BATCH).result()
