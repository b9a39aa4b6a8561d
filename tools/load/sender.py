"""One batch through a batch RPC, riding out a broker or a service that is gone for a while.

A batch that fails for a transport reason (``TRANSPORT_ERRORS``: no reply in time, no such service
queue, the connection lost) is sent again, on a fresh connection, after 1, 2, 4… seconds
(``backoff``), ``retries`` times; then ``TransportFailed`` stops the load, which has saved its
progress up to the batch before: it is never skipped. Sending it again is safe because the contract
is idempotent per ``record_id`` (a record already stored is answered again, not stored twice). Any
other whole-batch refusal (a bad token, a batch longer than the service takes) is not retried: it
is raised for the caller to report.
"""

import sys
import time
from collections.abc import Callable
from typing import Any

from tools.load.kinds import Kind


class TransportFailed(Exception):
    """The batch got no answer after every retry."""


class BrokenContract(Exception):
    """The service answered, but not one answer per record."""


def transport_errors() -> tuple[type[Exception], ...]:
    from amqp.exceptions import ConnectionError as AmqpConnectionError
    from kombu.exceptions import OperationalError
    from nameko.exceptions import RpcTimeout, UnknownService

    return (RpcTimeout, UnknownService, OSError, OperationalError, AmqpConnectionError)


class Sender:
    """Calls ``kind.batch_rpc`` on a cluster proxy that ``open_proxy`` starts (and restarts)."""

    def __init__(self, open_proxy: Callable[[], Any], retries: int = 5, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 say: Callable[[str], None] | None = None) -> None:
        self.open_proxy, self.retries, self.backoff, self.sleep = open_proxy, retries, backoff, sleep
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self._proxy: Any = None
        self._rpc: Any = None

    def send(self, kind: Kind, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for attempt in range(self.retries + 1):
            try:
                answers = self._call(kind, records)
                break
            except transport_errors() as error:
                self.close()
                if attempt == self.retries:
                    raise TransportFailed(f"{kind}: no answer after {attempt + 1} tries "
                                          f"({type(error).__name__}: {error})") from error
                wait = self.backoff * 2**attempt
                self.say(f"{kind}: {type(error).__name__} ({error}); sending the batch again in {wait:g}s")
                self.sleep(wait)
        if not isinstance(answers, list) or len(answers) != len(records):
            raise BrokenContract(f"{kind} answered {len(answers) if isinstance(answers, list) else answers!r}"
                                 f" for a batch of {len(records)} records")
        return answers

    def _call(self, kind: Kind, records: list[dict[str, Any]]) -> Any:
        if self._rpc is None:
            self._proxy = self.open_proxy()
            self._rpc = self._proxy.start()
        return getattr(getattr(self._rpc, kind.service), kind.batch_rpc)(records)

    def close(self) -> None:
        proxy, self._proxy, self._rpc = self._proxy, None, None
        if proxy is not None:
            try:
                proxy.stop()
            except Exception:  # noqa: BLE001 - a connection already lost cannot be closed cleanly
                pass
