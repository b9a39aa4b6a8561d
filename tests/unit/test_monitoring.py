"""deploy/monitoring checked by Prometheus' own tools and Grafana's published schema: the scrape config
and alert rules load (``promtool check``), every alert fires on its incident and not beside it
(``promtool test rules``), the Kubernetes PrometheusRule carries the same groups, and the dashboard
is a valid Grafana dashboard with a row per service and one for the pipeline, whose panels count a
gauge every replica reports alike once. Its PromQL is evaluated
by a real Prometheus in ``tests/e2e/test_monitoring.py``."""

import json
import re

import jsonschema
import yaml

from tests.support.prometheus import MONITORING, promtool
from tools import alert_rules

SERVICES = ("registry", "health", "education", "protection", "reporting")
DASHBOARD = MONITORING / "grafana" / "ecd-platform.json"
SCHEMA = MONITORING / "grafana" / "schema" / "dashboard.jsonschema.json"
ALERTS = {"ServiceDown", "ServiceNotScraped", "QueueConsumerDisconnected", "RpcErrorRate",
          "OutboxBacklogGrowing", "OutboxOldestUnsentTooOld", "ProjectionLagging", "EventsDeadLettered",
          "DeadLettersWaiting", "ConsumerQueueBacklog", "CatchUpSourceUnreachable", "ProtectionReadsRefused"}


def said(done) -> tuple[int, str]:
    return done.returncode, (done.stdout + done.stderr).strip()


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def test_promtool_finds_the_alert_rules_valid():
    assert said(promtool("check", "rules", str(MONITORING / "alerts.yml"))) == (
        0, f"Checking {MONITORING / 'alerts.yml'}\n  SUCCESS: {len(ALERTS)} rules found")


def test_the_scrape_config_is_valid_and_scrapes_each_service_on_its_make_run_port():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    assert promtool("check", "config", str(MONITORING / "prometheus.yml")).returncode == 0
    assert {job["job_name"]: job["static_configs"] for job in config["scrape_configs"]} == {
        service: [{"targets": [f"127.0.0.1:{port}"], "labels": {"service": service}}]
        for service, port in (("reporting", 8000), ("registry", 8001), ("health", 8002), ("education", 8003),
                              ("protection", 8004))}


def test_every_alert_passes_its_promtool_unit_tests():
    tests = sorted(str(path) for path in (MONITORING / "tests").glob("*.yml"))
    assert said(promtool("test", "rules", *tests)) == (
        0, "\n".join(f"Unit Testing:  {path}\n  SUCCESS" for path in tests))


def test_the_unit_tests_exercise_every_alert_with_a_runbook():
    rules = [rule for group in yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
             for rule in group["rules"]]
    tested = {test["alertname"] for path in (MONITORING / "tests").glob("*.yml")
              for case in yaml.safe_load(path.read_text())["tests"] for test in case["alert_rule_test"]
              if test["exp_alerts"]}
    assert {rule["alert"] for rule in rules} == tested == ALERTS
    annotations = {"summary", "description", "runbook"}
    assert [rule["alert"] for rule in rules if set(rule["annotations"]) != annotations] == []


def test_the_kubernetes_prometheus_rule_carries_the_same_groups_as_alerts_yml():
    written = alert_rules.PROMETHEUS_RULE.read_text()
    assert yaml.safe_load(written)["spec"]["groups"] == \
        yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    assert written == alert_rules.rendered(), "run: python -m tools.alert_rules"


def test_the_dashboard_is_valid_by_grafanas_published_dashboard_schema():
    errors = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(dashboard())
    assert [f"{list(error.path)}: {error.message}" for error in errors] == []


def test_the_schema_refuses_a_panel_grafana_would_not_know():
    broken = dashboard()
    broken["panels"][1]["targets_typo"] = []
    assert not jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).is_valid(broken)


def test_the_dashboard_has_a_row_per_service_and_one_for_the_pipeline_on_a_datasource_variable():
    board = dashboard()
    rows = [panel["title"] for panel in board["panels"] if panel["type"] == "row"]
    variables = [(v["name"], v["type"], v["query"]) for v in board["templating"]["list"]]
    sources = {json.dumps(panel["datasource"]) for panel in board["panels"] if panel["type"] != "row"}
    assert (rows, variables) == ([*SERVICES, "pipeline"], [("datasource", "datasource", "prometheus")])
    assert sources == {json.dumps({"type": "prometheus", "uid": "${datasource}"})}


def test_each_service_row_shows_rate_errors_latency_events_and_outbox_of_that_service_alone():
    panels, current, by_row = dashboard()["panels"], None, {}
    for panel in panels:
        if panel["type"] == "row":
            current = panel["title"]
            continue
        by_row.setdefault(current, []).append(panel)
    for service in SERVICES:
        exprs = [target["expr"] for panel in by_row[service] for target in panel["targets"]]
        assert {re.search(r'service="(\w+)"', expr).group(1) for expr in exprs} == {service}
        assert [panel["title"] for panel in by_row[service]] == [
            "Up", "RPC requests /s", "RPC refusals and errors /s", "RPC latency p95",
            "Events published / consumed /s", "Outbox backlog"]
    assert [panel["title"] for panel in by_row["pipeline"]] == [
        "Projection lag by source", "Queue depth by service", "Dead letters", "Catch-up runs (1h)",
        "Projection batch size p50 / p95"]


REPLICATED_GAUGES = ("ecd_queue_messages", "ecd_outbox_messages", "ecd_outbox_oldest_unsent_age_seconds")
HANDLER_QUEUE = "evt-registry-birth_registered--reporting.handle_registry_birth_registered"


def replicated_gauge_exprs() -> list[str]:
    """Every panel query of a gauge each replica of a service reports alike (the same queue, the same
    outbox table)."""
    return [target["expr"] for panel in dashboard()["panels"] for target in panel.get("targets", [])
            if any(gauge in target["expr"] for gauge in REPLICATED_GAUGES)]


def two_replicas_of(service: str) -> list[dict]:
    """What two replicas of ``service`` export: the same 600 for each of those gauges."""
    series = [f'ecd_queue_messages{{service="{service}",queue="{queue}"' for queue in (
        HANDLER_QUEUE, f"{service}.dead-letter")]
    series += [f'{gauge}{{service="{service}"' for gauge in REPLICATED_GAUGES[1:]]
    return [{"series": f'{each},instance="{service}-{pod}:8000",pod="{service}-{pod}"}}', "values": "600x5"}
            for each in series for pod in ("a", "b")]


def test_the_panels_of_a_gauge_every_replica_reports_count_it_once_whatever_the_replicas(tmp_path):
    exprs = replicated_gauge_exprs()
    shown = [re.search(r'service="(\w+)"', expr) for expr in exprs]  # a pipeline panel: every service
    shown = [(found.group(1),) if found else SERVICES for found in shown]
    (tmp_path / "panels.yml").write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": [
        {"record": f"panel:{number}", "expr": expr} for number, expr in enumerate(exprs)]}]}))
    (tmp_path / "panels_test.yml").write_text(yaml.safe_dump({
        "rule_files": ["panels.yml"], "evaluation_interval": "1m", "tests": [{
            "interval": "1m",
            "input_series": [each for service in SERVICES for each in two_replicas_of(service)],
            "promql_expr_test": [{"expr": f"panel:{number}", "eval_time": "3m", "exp_samples": [
                {"labels": f'panel:{number}{{service="{service}"}}', "value": 600} for service in services]}
                for number, services in enumerate(shown)]}]}))
    done = promtool("test", "rules", str(tmp_path / "panels_test.yml"))
    said = done.stdout + done.stderr
    assert (len(exprs), done.returncode, said.count("got:")) == (12, 0, 0), said
