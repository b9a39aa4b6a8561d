"""Run all five services in the foreground (``make run``): one ``nameko run`` process each.

Reporting starts first, so its queues exist before the registry publishes (and the outbox would
hold the events until then anyway). Ctrl-C or SIGTERM stops them all; if one dies, all stop.
Each service keeps its embedded SQLite file under ``var/`` unless ``<SERVICE>_DB_URL`` is set.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("reporting", "registry", "health", "education", "protection")
PORTS = {"reporting": 8000, "registry": 8001, "health": 8002, "education": 8003, "protection": 8004}
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def broker_reachable(amqp_uri: str) -> bool:
    parts = urlsplit(amqp_uri)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), 2):
            return True
    except OSError:
        return False


def start(service: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nameko", "run", "--config",
                             f"services/{service}/config.yml", f"services.{service}.service"],
                            cwd=ROOT)


def wait_listening(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                return
        except OSError:
            time.sleep(0.2)


def main() -> int:
    amqp_uri = os.environ.setdefault("AMQP_URI", DEFAULT_AMQP)
    if not broker_reachable(amqp_uri):
        print(f"No RabbitMQ at {amqp_uri}. Start one with `make broker` "
              "(or: apt-get install -y rabbitmq-server && rabbitmq-server -detached), "
              "or point AMQP_URI at yours.", file=sys.stderr)
        return 2
    (ROOT / "var").mkdir(exist_ok=True)
    processes = {}
    stopping = False

    def stop_all(*_):
        """Send SIGTERM once: a second one makes nameko start a second, deadlocking stop."""
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop_all)
    try:
        for service in SERVICES:
            processes[service] = start(service)
            wait_listening(PORTS[service])
        print("platform up: reporting :8000 (GET /indicators?area=..&as_of=..), registry :8001, "
              "health :8002, education :8003, protection :8004 (each /metrics, /healthz)",
              flush=True)
        while not stopping and all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        stopping = True  # the terminal's Ctrl-C reached every child already
    stop_all()
    for proc in processes.values():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
