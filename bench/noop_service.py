"""A nameko service that does nothing: the RPC baseline for ``make bench``."""

from nameko.rpc import rpc


class NoopService:
    name = "bench_noop"

    @rpc
    def ping(self, payload: dict) -> dict:
        return payload
