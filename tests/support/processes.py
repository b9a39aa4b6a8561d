"""Run services as real ``nameko run`` processes, kill them with SIGKILL, restart them (the
whole platform as ``make run`` runs it: ``tests.support.platform``).

Waiting on another process cannot use ``entrypoint_waiter``: ``wait_until`` polls a condition
with a deadline instead (and says what it was waiting for when the deadline passes).
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.support.identities import cluster_proxy, trust_env
from tools.run_platform import QUIET_EVENTLET

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout}s waiting for {what}")
        time.sleep(0.1)


class ServiceProcess:
    def __init__(self, service: str, env: dict[str, str], log_dir: Path,
                 args: list[str] | None = None) -> None:
        self.service, self.env, self.log_dir = service, env, log_dir
        self.args = args or ["--config", f"services/{service}/config.yml", f"services.{service}.service"]
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, **extra_env: str) -> "ServiceProcess":
        self.starts += 1
        log = open(self.log_dir / f"{self.service}-{self.starts}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", *self.args],
            cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": QUIET_EVENTLET, **trust_env(), **self.env,
                                **extra_env},
            stdout=log, stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up, unacked messages go back to the queue."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_ready(config: dict, service: str, probe: str, *args: Any, timeout: float = 60) -> None:
    """Ready = answers an RPC (its consumers are up, the event handlers' with them)."""

    def answers() -> bool:
        try:
            with cluster_proxy(config, timeout=5) as rpc:
                getattr(getattr(rpc, service), probe)(*args)
            return True
        except Exception:  # UnknownService until its queue exists, RpcTimeout while it starts
            return False

    wait_until(answers, timeout, f"{service} to answer {probe}")


def wait_healthy(address: str, timeout: float = 60) -> None:
    """Until the service at ``address`` (host:port) says ``/healthz`` ok: every queue consumer of it
    consumes (answering an RPC says only that its RPC consumer does)."""
    def healthy() -> bool:
        try:
            return requests.get(f"http://{address}/healthz", timeout=2).text == "ok"
        except requests.ConnectionError:
            return False

    wait_until(healthy, timeout, f"{address}/healthz ok")
