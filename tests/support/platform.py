"""The whole platform as ``make run`` starts it (``tools.run_platform``), for tests that use it as
people do: its own process group, ports and databases of the test's choosing, a group SIGTERM. Where
the tests can administer the broker, ``make run`` runs each service under its own broker user: this
session's users are named with ``SESSION_USER_PREFIX`` and their passwords kept in
``SESSION_ACCESS_DIR``, so test runs sharing a broker never touch each other's users (nor
``var/access``), and ``tests/conftest.py`` deletes them at the end of the session."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import free_port
from tests.support.identities import SESSION_ACCESS_DIR, SESSION_USER_PREFIX, trust_env
from tests.support.processes import ROOT, wait_until
from tools.access.users import PREFIX_KEY

SERVICES = ("reporting", "registry", "health", "education", "protection")
__all__ = ["SESSION_ACCESS_DIR", "SESSION_USER_PREFIX", "Platform", "platform_env", "platform_running",
           "sqlite_urls"]


def sqlite_urls(folder: Path) -> dict[str, str]:
    """The embedded default (``sqlite:///var/<svc>.db``), in the test's folder."""
    return {service: f"sqlite:///{folder}/{service}.db" for service in SERVICES}


def platform_env(amqp_uri: str, db_urls: dict[str, str], **overrides: str) -> dict[str, str]:
    """What ``make run`` reads: the test broker, free ports, and each service's database."""
    env = {**os.environ, "AMQP_URI": amqp_uri, PREFIX_KEY: SESSION_USER_PREFIX, **trust_env()}
    for service in SERVICES:
        env[f"{service.upper()}_WEB_SERVER_ADDRESS"] = f"127.0.0.1:{free_port()}"
        env[f"{service.upper()}_DB_URL"] = db_urls[service]
    env.pop("CI", None)
    return {**env, **overrides}


class Platform:
    """``python -m tools.run_platform`` in a process group of its own, its output in ``log``."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        with open(log, "w") as out:
            self.launcher = subprocess.Popen([sys.executable, "-m", "tools.run_platform"], cwd=ROOT,
                                             env=env, stdout=out, stderr=subprocess.STDOUT,
                                             start_new_session=True)

    def wait_up(self, timeout: float = 120) -> None:
        try:
            wait_until(lambda: "platform up" in self.log.read_text() or self.launcher.poll() is not None,
                       timeout, "platform up")
        except TimeoutError:
            self.kill()
            raise
        if self.launcher.poll() is not None:
            raise RuntimeError(f"the platform did not start:\n{self.log.read_text()}")

    def address(self, service: str) -> str:
        return self.env[f"{service.upper()}_WEB_SERVER_ADDRESS"]

    def stop(self, within: float) -> tuple[int | None, float, str]:
        """SIGTERM the whole group at once (as systemd and ``timeout`` do); the launcher's status,
        the seconds it took, and what was still running after ``within`` seconds (then killed)."""
        started = time.monotonic()
        os.killpg(self.launcher.pid, signal.SIGTERM)
        try:
            status = self.launcher.wait(timeout=within)
        except subprocess.TimeoutExpired:
            status = None
        took = time.monotonic() - started
        leftovers = subprocess.run(["pgrep", "-g", str(self.launcher.pid)], capture_output=True,
                                   text=True).stdout
        if leftovers:
            self.kill()
        return status, took, leftovers

    def kill(self) -> None:
        try:
            os.killpg(self.launcher.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.launcher.wait(timeout=30)


@contextmanager
def platform_running(env: dict[str, str], log: Path) -> Iterator[Platform]:
    """The platform from "platform up" until one SIGTERM to its group has stopped it."""
    platform = Platform(env, log)
    platform.wait_up()
    try:
        yield platform
    finally:
        platform.stop(within=30)
