"""Run all five services in the foreground (``make run``): one ``nameko run`` process each.

Before starting anything it checks what would make a service fail: the broker must accept the login and
virtual host in ``AMQP_URI`` (``tools.broker_check`` says which of the two it refused, or that nothing
listens, and never prints the password), and each service's port must be free. It says exactly what is
wrong and exits 2 otherwise; so it does when a service's database cannot be upgraded to its newest
revision (``python -m shared.plumbing.migrate``, run for every service before any starts). Reporting
starts first, so its queues exist before the registry publishes.
"platform up" is printed only when every service answers ``/healthz``; if one exits before or after
that, all stop and the exit status is 1. Ctrl-C or one SIGTERM (to this process or its whole group)
stops them all. Each service keeps its embedded SQLite file under ``var/`` unless ``<SERVICE>_DB_URL``
is set. When it can administer the broker (``rabbitmqctl`` here, or ``RABBITMQ_MANAGEMENT_URL``), it
first sets each service's own broker user in the vhost of ``AMQP_URI`` (``tools.access``) and runs
each service under it; otherwise it says why in one line and runs them all as ``AMQP_URI``'s user.
Every call needs a signed token: the keys (a development issuer, one per service) are made
on first start under ``var/access/`` (``tools.access.tokens``; ``python -m tools.access token`` signs
one), unless ``TOKEN_ISSUERS_FILE`` names the issuers a deployment trusts instead.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tools.access.broker_commands import ADMIN_FIX
from tools.access.passwords import PasswordStore
from tools.access.rabbitmq import administrator
from tools.access.tokens import ensure_trust, service_key_file
from tools.access.users import service_uris, service_users, user_prefix
from tools.broker_check import broker_problem

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("reporting", "registry", "health", "education", "protection")
PORTS = {"reporting": 8000, "registry": 8001, "health": 8002, "education": 8003, "protection": 8004}
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
QUIET_EVENTLET = "ignore:::nameko.cli.commands"  # eventlet's deprecation notice at every start
START_TIMEOUT = 60


def address(service: str) -> tuple[str, int]:
    value = os.environ.get(f"{service.upper()}_WEB_SERVER_ADDRESS", f"0.0.0.0:{PORTS[service]}")
    host, _, port = value.rpartition(":")
    return host or "0.0.0.0", int(port)


def port_problem(service: str) -> str | None:
    host, port = address(service)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            return (f"{service}: port {port} on {host} is taken ({error.strerror}); stop what uses "
                    f"it or set {service.upper()}_WEB_SERVER_ADDRESS")
    return None


def preflight(amqp_uri: str) -> list[str]:
    problems = [p for p in (port_problem(s) for s in SERVICES) if p]
    broker = broker_problem(amqp_uri)
    if broker:
        problems.insert(0, broker)
    return problems


def broker_users(amqp_uri: str) -> dict[str, str]:
    """Each service's own ``AMQP_URI``, its user and permissions set now; {} when this cannot
    administer the broker (then every service runs as ``AMQP_URI``'s user, and a warning says why)."""
    admin = administrator(amqp_uri)
    problem = admin.problem()
    if problem:
        print(f"warning: every service runs as the user of AMQP_URI: cannot set their own broker users "
              f"({problem}); {ADMIN_FIX}.", file=sys.stderr, flush=True)
        return {}
    prefix = user_prefix()
    store = PasswordStore()
    foreign = sorted(user for user in admin.users() & {f"{prefix}{service}" for service in SERVICES}
                     if store.read(user) is None)
    if foreign:  # users are the broker's, not the vhost's: resetting them would lock out their owner
        print(f"warning: every service runs as the user of AMQP_URI: the broker users {', '.join(foreign)} "
              "exist already with passwords this checkout does not hold (another checkout's var/access/ "
              "made them); set BROKER_USER_PREFIX (e.g. ecd-mine-) to give this checkout users of its "
              "own, or copy that var/access/ here.", file=sys.stderr, flush=True)
        return {}
    users = service_users(store, prefix)
    admin.apply([(grant, credentials.password) for grant, credentials in users])
    print(f"broker users: each service runs as its own ({prefix}<service>, permissions from tools.access)",
          flush=True)
    return service_uris(users, amqp_uri, prefix)


def start(service: str, amqp_uri: str) -> subprocess.Popen:
    warnings = ",".join(filter(None, (os.environ.get("PYTHONWARNINGS"), QUIET_EVENTLET)))
    return subprocess.Popen([sys.executable, "-m", "nameko", "run", "--config",
                             f"services/{service}/config.yml", f"services.{service}.service"],
                            cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": warnings, "AMQP_URI": amqp_uri})


def healthy(service: str) -> bool:
    host, port = address(service)
    url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.read() == b"ok"
    except OSError:
        return False


def wait_healthy(service: str, process: subprocess.Popen) -> str | None:
    """None once the service answers /healthz; else why it is not up."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"{service} exited with status {process.returncode} while starting (see above)"
        if healthy(service):
            return None
        time.sleep(0.2)
    return f"{service} did not answer /healthz within {START_TIMEOUT} s"


def upgrade_databases() -> str | None:
    """Upgrade every service's database to its newest revision, as a Kubernetes init container does
    (``python -m shared.plumbing.migrate``, with this environment: ``<SERVICE>_DB_URL``); None once
    done, else why not."""
    result = subprocess.run([sys.executable, "-m", "shared.plumbing.migrate", *SERVICES], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        return (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
    print("databases: " + ", ".join(result.stdout.split("\n")[:-1]).replace(": database", ""), flush=True)
    return None


def trust_tokens() -> None:
    """Make the embedded default's keys if missing, and point every service at them (unless the
    environment names its own issuers file or service keys)."""
    if os.environ.get("TOKEN_ISSUERS_FILE"):
        return
    issuers = ensure_trust()
    os.environ["TOKEN_ISSUERS_FILE"] = str(issuers)
    for service in SERVICES:
        os.environ.setdefault(f"{service.upper()}_SERVICE_KEY_FILE",
                              str(service_key_file(issuers.parent, service)))


def main() -> int:
    amqp_uri = os.environ.setdefault("AMQP_URI", DEFAULT_AMQP)
    problems = preflight(amqp_uri)
    if problems:
        print("Cannot start the platform:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    try:
        uris = broker_users(amqp_uri)
    except RuntimeError as error:
        print(f"Cannot start the platform: setting the services' broker users failed: {error}",
              file=sys.stderr)
        return 2
    (ROOT / "var").mkdir(exist_ok=True)
    problem = upgrade_databases()
    if problem:
        print(f"Cannot start the platform: {problem}", file=sys.stderr)
        return 2
    trust_tokens()
    processes: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop_all(*_) -> None:
        """SIGTERM each child once (a second one used to deadlock nameko's stop)."""
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, stop_all)
    failure = None
    try:
        for service in SERVICES:
            processes[service] = start(service, uris.get(service, amqp_uri))
            failure = wait_healthy(service, processes[service])
            if failure or stopping:
                break
        else:
            print("platform up: " + ", ".join(f"{s} :{address(s)[1]}" for s in SERVICES)
                  + " (each /metrics, /healthz); report: GET :"
                  f"{address('reporting')[1]}/indicators?area=..&as_of=..&format=html", flush=True)
            while not stopping and not failure:
                time.sleep(0.5)
                dead = [s for s, p in processes.items() if p.poll() is not None]
                failure = dead and f"{dead[0]} exited with status {processes[dead[0]].returncode}"
    except KeyboardInterrupt:
        stopping = True  # the terminal's Ctrl-C reached every child already
    asked_to_stop = stopping
    stop_all()
    for proc in processes.values():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    if failure and not asked_to_stop:
        print(f"platform stopped: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
