"""The producers' event logs as one dependency: ``self.event_logs["registry"].events_since(...)``.

One nameko RPC proxy per source, sharing one reply listener, so catch-up reads every source's
``events_since`` without an ``RpcProxy`` attribute per source on the service.
"""

from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy


class EventLogs(DependencyProvider):
    rpc_reply_listener = ReplyListener()

    def __init__(self, sources: tuple[str, ...]) -> None:
        self.sources = sources

    def get_dependency(self, worker_ctx) -> dict[str, ServiceProxy]:
        return {source: ServiceProxy(worker_ctx, source, self.rpc_reply_listener)
                for source in self.sources}
