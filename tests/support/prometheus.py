"""Prometheus' own tools for the tests: ``promtool`` (lint ``/metrics``, check and unit-test rules) and
a real ``prometheus`` server scraping the running services.

Both come from Debian's ``prometheus`` package (2.42 in bookworm; ``tools/prometheus.sh``, run by
``make test``, installs it where it can). Without them a test skips, and FAILS under ``CI=true``.
``PROMTOOL`` / ``PROMETHEUS`` name other binaries.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.support.infra import unavailable
from tests.support.processes import wait_until

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"


def binary(name: str) -> str:
    found = os.environ.get(name.upper()) or shutil.which(name)
    if not found:
        unavailable(f"{name} is not installed (make test installs Debian's prometheus package where it can)",
                    "the metrics and alert rules are checked by Prometheus' own tools")
    return found


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([binary("promtool"), *args], input=stdin, capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def lint_metrics(text: str) -> str:
    """What ``promtool check metrics`` says of an exposition (nothing when it is clean)."""
    done = promtool("check", "metrics", stdin=text)
    said = (done.stdout + done.stderr).strip()
    return said if done.returncode == 0 else f"{said} (exit {done.returncode})"


def scrape_config(targets: dict[str, str]) -> dict[str, Any]:
    """``deploy/monitoring/prometheus.yml`` with its targets replaced by ``{service: host:port}``,
    scraped every second (the file's own interval is for production)."""
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    config["global"] = {**config.get("global", {}), "scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(MONITORING / "alerts.yml")]
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            static["targets"] = [targets[static["labels"]["service"]]]
    return config


class PrometheusServer:
    """A running ``prometheus`` and its HTTP API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, expr: str) -> dict[str, Any]:
        """The API's answer to an instant query (``status``, ``data`` or ``error``)."""
        return requests.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10).json()

    def values(self, expr: str) -> dict[str, float]:
        """``{service label: value}`` of an instant query's vector."""
        answer = self.query(expr)
        return {sample["metric"].get("service", ""): float(sample["value"][1])
                for sample in answer.get("data", {}).get("result", [])}


@contextmanager
def prometheus_running(config: dict[str, Any], folder: Path, port: int) -> Iterator[PrometheusServer]:
    """``prometheus`` on ``config`` (storage in ``folder``) until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = open(folder / "prometheus.log", "w")
    process = subprocess.Popen([binary("prometheus"), f"--config.file={folder / 'prometheus.yml'}",
                                f"--storage.tsdb.path={folder / 'data'}",
                                f"--web.listen-address=127.0.0.1:{port}"],
                               stdout=log, stderr=subprocess.STDOUT)
    server = PrometheusServer(f"http://127.0.0.1:{port}")

    def ready() -> bool:
        try:
            return requests.get(f"{server.url}/-/ready", timeout=1).status_code == 200
        except requests.ConnectionError:
            return process.poll() is not None

    try:
        wait_until(ready, 30, "prometheus ready")
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited:\n{(folder / 'prometheus.log').read_text()}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
