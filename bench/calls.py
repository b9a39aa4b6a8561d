"""RPCs from concurrent callers, each call timed by its caller and bounded, and a tally of the answers.

nameko's own RPC timeout is a socket read timeout that any late reply resets, so every call here
also runs under an eventlet timeout; a call without an answer in time counts as timed out, and its
caller continues on a fresh proxy (the old connection may have been left mid-read). The first
timeout stops the whole measurement from sending: the service froze (issue 13's ten callers got no
answer within 30 s), and each further call would only wait as long again. Sending also stops once
the configuration's deadline has passed. A remote error is an answer, counted apart.
"""

import math
import time
from dataclasses import dataclass, field
from typing import Any

import eventlet
from eventlet.greenpool import GreenPool
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from tests.support.identities import everyone

CLOSE_TIMEOUT = 5


class NoAnswer(Exception):
    """The call got no answer within the caller's timeout."""


class Caller:
    """One caller's RPC proxy; every call bounded, a fresh proxy after a call that went wrong."""

    def __init__(self, config: dict, timeout: float) -> None:
        self.config, self.timeout = config, timeout
        self.proxy: ClusterRpcProxy | None = None
        self.rpc: Any = None

    def __enter__(self) -> "Caller":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def call(self, service: str, method: str, *args: Any) -> Any:
        if self.proxy is None:
            self.proxy = ClusterRpcProxy(self.config, timeout=self.timeout + 5,  # ours fires first
                                         context_data={"authorization": everyone()})
            self.rpc = self.proxy.start()
        timer = eventlet.Timeout(self.timeout)
        try:
            return getattr(getattr(self.rpc, service), method)(*args)
        except RemoteError:
            raise
        except eventlet.Timeout as exc:
            self.close()
            if exc is not timer:
                raise
            raise NoAnswer(f"{service}.{method}: no answer within {self.timeout:g} s") from None
        except Exception:
            self.close()
            raise
        finally:
            timer.cancel()

    def close(self) -> None:
        proxy, self.proxy = self.proxy, None
        if proxy is not None:
            with eventlet.Timeout(CLOSE_TIMEOUT, False):
                try:
                    proxy.stop()
                except Exception:  # a connection broken mid-call: nothing left to close
                    pass


@dataclass
class Tally:
    """What came back from ``planned`` calls; latencies of the calls answered without error."""

    planned: int
    timeout: float
    label: str = ""
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    timed_out: int = 0
    stopped: str = ""

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def not_sent(self) -> int:
        return self.planned - self.answered - self.errors - self.timed_out

    @property
    def complete(self) -> bool:
        return self.answered == self.planned

    def stop(self, reason: str) -> None:
        self.stopped = self.stopped or reason

    def counts(self) -> str:
        parts = [f"{self.answered}/{self.planned} answered"]
        if self.errors:
            parts.append(f"{self.errors} answered with an error (first: {self.first_error})")
        if self.timed_out:
            parts.append(f"{self.timed_out} timed out")
        if self.not_sent:
            parts.append(f"{self.not_sent} not sent")
        return ", ".join(parts)

    def percentile(self, q: float) -> float | None:
        """Nearest-rank percentile, in seconds, of the calls answered or timed out (a timed-out call
        counts as slower than any answer: ``math.inf``); None when no call was."""
        ranked = sorted(self.latencies) + [math.inf] * self.timed_out
        if not ranked:
            return None
        return ranked[max(math.ceil(q / 100 * len(ranked)) - 1, 0)]


def send(config: dict, service: str, method: str, records: list[Any], callers: int, deadline: float,
         timeout: float, label: str = "") -> Tally:
    """Call ``service.method(record)`` for each record from ``callers`` concurrent callers."""
    tally = Tally(len(records), timeout, label)
    pool = GreenPool(callers)
    chunks = [records[i::callers] for i in range(callers)]
    list(pool.imap(lambda chunk: _caller(config, service, method, chunk, tally, deadline), chunks))
    return tally


def _caller(config: dict, service: str, method: str, chunk: list[Any], tally: Tally,
            deadline: float) -> None:
    with Caller(config, tally.timeout) as caller:
        for record in chunk:
            if time.monotonic() > deadline:
                tally.stop("the configuration's time budget (BENCH_CONFIG_BUDGET) was spent")
            if tally.stopped:
                return
            _one_call(caller, service, method, record, tally)


def _one_call(caller: Caller, service: str, method: str, record: Any, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        caller.call(service, method, record)
    except NoAnswer:
        tally.timed_out += 1
        tally.stop(f"a {method} call got no answer within {tally.timeout:g} s")
    except Exception as exc:  # RemoteError, UnknownService, a broken connection: an answer of sorts
        tally.errors += 1
        tally.first_error = tally.first_error or f"{type(exc).__name__}: {exc}"[:160]
    else:
        tally.latencies.append(time.perf_counter() - started)
