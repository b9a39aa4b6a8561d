"""Review of issue 20: a dashboard panel of the queues' depth shows each queue's messages once, however
many replicas of its consumer read that depth (each replica of a service exports the same queue's
``ecd_queue_messages``, as ConsumerQueueBacklog already allows for)."""

import json

import yaml

from tests.support.prometheus import MONITORING, promtool

QUEUE = "evt-registry-birth_registered--reporting.handle_registry_birth_registered"


def panel_expr(title: str) -> str:
    board = json.loads((MONITORING / "grafana" / "ecd-platform.json").read_text())
    return next(panel for panel in board["panels"] if panel.get("title") == title)["targets"][0]["expr"]


def test_the_queue_depth_panel_counts_a_queue_read_by_two_replicas_once(tmp_path):
    (tmp_path / "panel.yml").write_text(yaml.safe_dump({"groups": [{"name": "panel", "rules": [
        {"record": "panel:queue_depth", "expr": panel_expr("Queue depth by service")}]}]}))
    (tmp_path / "panel_test.yml").write_text(yaml.safe_dump({
        "rule_files": ["panel.yml"], "evaluation_interval": "1m", "tests": [{
            "interval": "1m",
            "input_series": [{"series": f'ecd_queue_messages{{service="reporting",instance="{pod}",'
                                        f'queue="{QUEUE}"}}', "values": "600x5"}
                             for pod in ("reporting-a:8000", "reporting-b:8000")],
            "promql_expr_test": [{"expr": "panel:queue_depth", "eval_time": "3m",
                                  "exp_samples": [{"labels": 'panel:queue_depth{service="reporting"}',
                                                   "value": 600}]}]}]}))
    done = promtool("test", "rules", str(tmp_path / "panel_test.yml"))
    assert (done.returncode, "got" in done.stdout) == (0, False), done.stdout
