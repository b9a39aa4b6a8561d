"""What an operator and a provincial officer see: the demo's indicators, /metrics on every port."""

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy

from shared.exceptions import NotFound, ValidationFailed
from tests.conftest import free_port
from tests.support.factories import make_birth
from tests.support.processes import ServiceProcess, wait_ready, wait_until
from tools import demo, demo_commune

pytestmark = pytest.mark.e2e


def test_the_demo_commune_gives_the_hand_counted_indicators(platform, clean_infra, tmp_path):
    _, config, env = platform
    education = ServiceProcess("education", {**env, "EDUCATION_DB_URL": clean_infra.db_url("education"),
                                             "EDUCATION_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"},
                               tmp_path).start()
    events = demo_commune.EVENT_COUNT + demo_commune.EDUCATION_EVENT_COUNT
    try:
        wait_ready(config, "education", "events_since")
        with ClusterRpcProxy(config, timeout=30) as rpc:
            for _ in range(2):  # a second load is a retry: it must store nothing new
                demo_commune.load(rpc.registry)
                demo_commune.load_education(rpc.education)
            stats = demo.wait_for_projection(rpc.reporting, events)
            report = rpc.reporting.indicators(demo_commune.DEMO_AREA, demo_commune.DEMO_AS_OF)
    finally:
        education.stop()
    assert stats["processed_events"] == events
    assert demo_commune.figures(report["indicators"], demo_commune.EXPECTED) == demo_commune.EXPECTED
    assert demo_commune.figures(report["indicators"], demo_commune.EXPECTED_EDUCATION) == \
        demo_commune.EXPECTED_EDUCATION
    assert report["area"] == {"code": "03388", "level": "commune", "map": "2025",
                             "name": "Phường Đoàn Kết", "parents": [
                                 {"level": "province", "code": "12", "name": "Tỉnh Lai Châu"}]}
    url = f"http://{env['REPORTING_WEB_SERVER_ADDRESS']}/indicators"
    page = requests.get(url, params={"area": "12", "as_of": demo_commune.DEMO_AS_OF}, timeout=10)
    assert (page.status_code, demo_commune.figures(page.json()["indicators"], demo_commune.EXPECTED)) == \
        (200, demo_commune.EXPECTED)
    html = requests.get(url, params={"area": "12", "as_of": demo_commune.DEMO_AS_OF, "format": "html"},
                        timeout=10)
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>Tỉnh Lai Châu (12)</title>" in html.text
    bad = requests.get(url, params={"area": "99", "as_of": "2026-06-30"}, timeout=10)
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["area_code"]


def test_a_remote_caller_gets_the_typed_error_naming_the_field(platform):
    _, config, _ = platform
    with ClusterRpcProxy(config, timeout=30) as rpc:
        with pytest.raises(ValidationFailed) as error:
            rpc.registry.register_birth(make_birth(commune_code="99999"))
        with pytest.raises(NotFound):
            rpc.reporting.child_view("012324999999")
    assert error.value.errors == {
        "commune_code": ["Unknown commune '99999' on the legacy map in force on 2024-03-21."]}


def test_every_service_serves_healthz_and_its_metrics(platform, tmp_path):
    processes, config, env = platform
    ports = {"registry": env["REGISTRY_WEB_SERVER_ADDRESS"],
             "reporting": env["REPORTING_WEB_SERVER_ADDRESS"]}
    others = {}
    for name in ("health", "education", "protection"):
        ports[name] = f"127.0.0.1:{free_port()}"
        others[name] = ServiceProcess(name, {**env, f"{name.upper()}_WEB_SERVER_ADDRESS": ports[name]},
                                      tmp_path).start()
    with ClusterRpcProxy(config, timeout=30) as rpc:
        demo_commune.load(rpc.registry)
        demo.wait_for_projection(rpc.reporting, demo_commune.EVENT_COUNT)

    def scrape(name):
        try:
            return requests.get(f"http://{ports[name]}/metrics", timeout=2).text
        except requests.ConnectionError:
            return ""

    try:
        texts = {name: wait_until(lambda n=name: scrape(n), 60, f"{name} /metrics") for name in ports}
        for name in ports:
            assert requests.get(f"http://{ports[name]}/healthz", timeout=2).text == "ok"
            assert f"{name}_outbox_backlog" in texts[name]
    finally:
        for process in others.values():
            process.stop()
    registry, reporting = texts["registry"], texts["reporting"]
    assert 'registry_rpc_calls_total{method="register_birth",outcome="ok"} 13.0' in registry
    assert 'registry_events_published_total{event_type="birth_registered"} 13.0' in registry
    assert 'registry_rpc_latency_seconds_count{method="register_birth"} 13.0' in registry
    assert 'reporting_events_consumed_total{event_type="birth_registered",outcome="applied"} 13.0' \
        in reporting
