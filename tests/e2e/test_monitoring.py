"""A real Prometheus (Debian's binary) on deploy/monitoring/prometheus.yml and alerts.yml, scraping the
running registry and reporting processes: it reads the alert-relevant series they expose, and every
PromQL expression of the Grafana dashboard and of the alert rules evaluates without an error."""

import json
import re

import pytest
import requests
import yaml

from tests.conftest import free_port
from tests.support.factories import make_birth
from tests.support.identities import cluster_proxy
from tests.support.processes import wait_until
from tests.support.prometheus import MONITORING, prometheus_running, scrape_config

pytestmark = pytest.mark.e2e
DASHBOARD = MONITORING / "grafana" / "ecd-platform.json"
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
SAMPLE_SUFFIXES = re.compile(r"_(bucket|sum|count)$")


def dashboard_exprs() -> list[str]:
    exprs = [target["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"]
             for target in panel.get("targets", [])]
    for variable, value in GRAFANA_VARIABLES.items():
        exprs = [expr.replace(variable, value) for expr in exprs]
    return exprs


def alert_exprs() -> list[str]:
    groups = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def metric_families(text: str) -> set[str]:
    return set(re.findall(r"^# TYPE (\w+) ", text, re.M))


def test_a_real_prometheus_scrapes_the_services_and_evaluates_every_dashboard_and_alert_expression(
        platform, tmp_path):
    _, config, env = platform
    with cluster_proxy(config, timeout=30) as rpc:
        rpc.registry.register_birth(make_birth())
    running = {name: env[f"{name.upper()}_WEB_SERVER_ADDRESS"] for name in ("registry", "reporting")}
    stopped = {name: f"127.0.0.1:{free_port()}" for name in ("health", "education", "protection")}
    exposed = set().union(*(metric_families(requests.get(f"http://{address}/metrics", timeout=5).text)
                            for address in running.values()))
    scrape = scrape_config({**running, **stopped})
    with prometheus_running(scrape, tmp_path / "prometheus", free_port()) as server:
        scraped = wait_until(lambda: len(server.values("up")) == 5 and server.values(
            'ecd_outbox_messages{service="registry"}'), 30, "prometheus to scrape all five targets")
        up = server.values("up")
        births = server.values('ecd_events_published_total{event_type="birth_registered"}')
        failing = {expr: answer.get("error") for expr in dashboard_exprs() + alert_exprs()
                   if (answer := server.query(expr))["status"] != "success"}
    used = {SAMPLE_SUFFIXES.sub("", name) for expr in dashboard_exprs()
            for name in re.findall(r"\b(ecd_\w+)", expr)}
    assert scraped == {"registry": 0.0}  # the relay measured its outbox: empty once the birth was sent
    assert up == {"registry": 1.0, "reporting": 1.0, "health": 0.0, "education": 0.0, "protection": 0.0}
    assert births == {"registry": 1.0}
    assert failing == {}
    assert sorted(used - exposed) == []
