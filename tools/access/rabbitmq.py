"""Creating broker users and setting their permissions on a real RabbitMQ, as its administrator.

Two ways: the management HTTP API when ``RABBITMQ_MANAGEMENT_URL`` is set (``http://admin:PASSWORD@
host:15672/``; the password hash is sent, never the password), otherwise ``rabbitmqctl`` on this
machine, when ``AMQP_URI`` names this machine and rabbitmqctl may talk to the node (root, or the
rabbitmq user: it needs the Erlang cookie). rabbitmqctl reads passwords from standard input, never
from its command line (which other users see in ``ps``). For each user, in this order: the user and
its password, its topic permissions, then its permissions, so it never holds write on ``nameko-rpc``
without the routing keys restricted. ``problem()`` says why one cannot administer the broker.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, unquote, urlsplit

from tools.access.broker import HASHING, Grant, password_hash

MANAGEMENT_URL_KEY = "RABBITMQ_MANAGEMENT_URL"
CTL_TIMEOUT = 30
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def virtual_host(amqp_uri: str) -> str:
    """The vhost of ``amqp_uri`` as kombu reads it: ``/`` when the path is empty."""
    path = urlsplit(amqp_uri).path
    return unquote(path[1:] if path.startswith("/") else path) or "/"


class Rabbitmqctl:
    def __init__(self, amqp_uri: str) -> None:
        self.host = urlsplit(amqp_uri).hostname or "localhost"
        self.vhost = virtual_host(amqp_uri)

    def run(self, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
        stdin = None if password is None else password + "\n"
        return subprocess.run(["rabbitmqctl", "-q", *args], input=stdin, capture_output=True, text=True,
                              timeout=CTL_TIMEOUT)

    def problem(self) -> str | None:
        if self.host not in LOCAL_HOSTS | {socket.gethostname()}:
            return f"rabbitmqctl administers this machine's broker, and AMQP_URI names {self.host}"
        if shutil.which("rabbitmqctl") is None:
            return "rabbitmqctl is not installed here"
        try:
            listed = self.run("list_vhosts", "name", "--no-table-headers")
        except subprocess.TimeoutExpired:
            return f"rabbitmqctl did not answer within {CTL_TIMEOUT} s"
        if listed.returncode != 0:
            lines = (listed.stderr or listed.stdout).strip().splitlines()
            return f"rabbitmqctl failed ({lines[-1] if lines else f'status {listed.returncode}'})"
        if self.vhost not in listed.stdout.split("\n"):
            return f"the broker has no virtual host {self.vhost!r}"
        return None

    def users(self) -> set[str]:
        listed = self.checked("list_users", "--no-table-headers")
        return {line.split("\t")[0] for line in listed.stdout.splitlines() if line}

    def checked(self, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
        result = self.run(*args, password=password)
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {args[0]} failed: {(result.stderr or result.stdout).strip()}")
        return result

    def apply(self, grants: Iterable[tuple[Grant, str]]) -> None:
        existing = self.users()
        with ThreadPoolExecutor(max_workers=8) as pool:  # one rabbitmqctl takes ~0.5 s: users at once
            list(pool.map(lambda pair: self._apply_one(*pair, existing), grants))

    def _apply_one(self, grant: Grant, password: str, existing: set[str]) -> None:
        login = "change_password" if grant.user in existing else "add_user"
        self.checked(login, grant.user, password=password)
        for topic in grant.topics:
            self.checked("set_topic_permissions", "-p", self.vhost, grant.user, topic.exchange,
                         topic.write, topic.read)
        self.checked("set_permissions", "-p", self.vhost, grant.user, grant.configure, grant.write,
                     grant.read)

    def delete_users(self, users: Iterable[str]) -> None:
        for user in users:
            self.run("delete_user", user)


class ManagementApi:
    def __init__(self, management_url: str, amqp_uri: str) -> None:
        parts = urlsplit(management_url)
        self.base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}{parts.path.rstrip('/')}/api"
        login = f"{unquote(parts.username or 'guest')}:{unquote(parts.password or 'guest')}"
        self.authorization = "Basic " + base64.b64encode(login.encode()).decode()
        self.vhost = virtual_host(amqp_uri)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": self.authorization, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, None

    def problem(self) -> str | None:
        shown = self.base.removesuffix("/api")
        try:
            status, _ = self.request("GET", "/whoami")
            if status != 200:
                return f"the management API at {shown} refused the login ({status})"
            status, _ = self.request("GET", f"/vhosts/{quote(self.vhost, safe='')}")
        except OSError as error:
            return f"the management API at {shown} does not answer ({error})"
        return None if status == 200 else f"the broker has no virtual host {self.vhost!r}"

    def checked(self, method: str, path: str, body: dict | None = None) -> None:
        status, _ = self.request(method, path, body)
        if status not in (200, 201, 204):
            raise RuntimeError(f"management API {method} {path} answered {status}")

    def users(self) -> set[str]:
        status, found = self.request("GET", "/users")
        if status != 200:
            raise RuntimeError(f"management API GET /users answered {status}")
        return {user["name"] for user in found}

    def apply(self, grants: Iterable[tuple[Grant, str]]) -> None:
        vhost = quote(self.vhost, safe="")
        for grant, password in grants:
            user = quote(grant.user, safe="")
            self.checked("PUT", f"/users/{user}", {"password_hash": password_hash(password),
                                                   "hashing_algorithm": HASHING, "tags": ""})
            for topic in grant.topics:
                self.checked("PUT", f"/topic-permissions/{vhost}/{user}",
                             {"exchange": topic.exchange, "write": topic.write, "read": topic.read})
            self.checked("PUT", f"/permissions/{vhost}/{user}",
                         {"configure": grant.configure, "write": grant.write, "read": grant.read})

    def delete_users(self, users: Iterable[str]) -> None:
        for user in users:
            self.request("DELETE", f"/users/{quote(user, safe='')}")


def administrator(amqp_uri: str) -> Rabbitmqctl | ManagementApi:
    """The management API when ``RABBITMQ_MANAGEMENT_URL`` is set, else this machine's rabbitmqctl."""
    management_url = os.environ.get(MANAGEMENT_URL_KEY)
    return ManagementApi(management_url, amqp_uri) if management_url else Rabbitmqctl(amqp_uri)
