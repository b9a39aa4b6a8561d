"""What an operator and a provincial officer see: the demo's indicators and its summary after
``make run`` (on PostgreSQL, and on the embedded SQLite as a newcomer runs it), /metrics on every port
(clean by ``promtool check metrics``)."""

import subprocess
import sys

import pytest
import requests

from shared.exceptions import NotFound, ValidationFailed
from tests.conftest import free_port
from tests.support.factories import make_birth
from tests.support.identities import bearer, cluster_proxy, token
from tests.support.platform import SERVICES, platform_env, platform_running, sqlite_urls
from tests.support.processes import ROOT, ServiceProcess, wait_ready, wait_until
from tests.support.prometheus import lint_metrics
from tools import demo, demo_commune

pytestmark = pytest.mark.e2e
CHECKED_LINES = """\
  ✓ registry    birth_registration_on_time      expected 3/4 = 0.75     got 3/4 = 0.75
  ✓ registry    under5_registered               expected 6              got 6
  ✓ registry    under6_insurance_card_coverage  expected 5/8 = 0.625    got 5/8 = 0.625
  ✓ education   creche_enrolment_3_36m          expected 1/4 = 0.25     got 1/4 = 0.25
  ✓ education   kindergarten_enrolment_3_5      expected 2/4 = 0.5      got 2/4 = 0.5
  ✓ education   preschool_enrolment_age5        expected 1/2 = 0.5      got 1/2 = 0.5
  ✓ education   grade1_entry_on_time            expected 0/0 = -        got 0/0 = -
  ✓ education   inclusive_education_3_8         expected 0/0 = -        got 0/0 = -
  ✓ education   out_of_school_6_8               expected 0/0 = -        got 0/0 = -
  ✓ health      fully_immunised_by_12m          expected 1/1 = 1.0      got 1/1 = 1.0
  ✓ health      coverage_bcg_1                  expected 1/1 = 1.0      got 1/1 = 1.0
  ✓ health      coverage_measles_1              expected 1/1 = 1.0      got 1/1 = 1.0
  ✓ health      coverage_ipv_1                  expected 0/1 = 0.0      got 0/1 = 0.0
  ✓ health      dtp_hepb_hib_dropout_1_to_3     expected 0/1 = 0.0      got 0/1 = 0.0
  ✓ health      growth_monitoring_under5        expected 4/6 = 0.6667   got 4/6 = 0.6667
  ✓ health      stunting_under5                 expected 1/4 = 0.25     got 1/4 = 0.25
  ✓ health      stunting_5_8                    expected 0/1 = 0.0      got 0/1 = 0.0
  ✓ health      health_check_3_8                expected 2/4 = 0.5      got 2/4 = 0.5
  ✓ protection  special_circumstances_0_8       expected <5/9 = -       got <5/9 = -
  ✓ protection  special_circumstances_a_0_8     expected <5/9 = -       got <5/9 = -
  ✓ protection  special_circumstances_supported expected <5/<5 = -      got <5/<5 = -
  ✓ protection  allowance_coverage              expected <5/<5 = -      got <5/<5 = -
  ✓ protection  protection_cases_opened         expected <5             got <5
  ✓ protection  protection_plan_within_7d       expected <5/<5 = -      got <5/<5 = -
✓ All 24 figures match the hand count.
"""
LOOP_HEADER = ("One referral loop, health → education, through the RPCs (tools/demo_referrals.py), "
               "health:demo-referral-9:\n")
WALKED_BEFORE = ("  (walked by an earlier run: each write answers as then and stores nothing; the referral "
                 "stays completed)\n")
COMPLETED = "completed (service_delivered on 2026-06-10)"


def loop_lines(walked_before: bool) -> str:
    """The referral loop's lines: a second run reads the referral completed at every step."""
    inbox, accepted = ((f"{COMPLETED}, from health, due 2026-06-19", COMPLETED) if walked_before else
                       ("sent, from health, due 2026-06-19", "accepted"))
    return (LOOP_HEADER + (WALKED_BEFORE if walked_before else "") +
            "  ✓ 1 health.refer_child: child 9, suspected_disability, 2026-05-20 → sent, due 2026-06-19\n"
            f"  ✓ 2 education.referral_inbox(03388) lists it                     → {inbox}\n"
            "  ✓ 3 education.accept_referral: 2026-05-25                        → accepted\n"
            f"  ✓ 4 health.referrals_sent(03388) shows it                        → {accepted}\n"
            "  ✓ 5 education.complete_referral: 2026-06-10, service_delivered   → completed\n"
            f"  ✓ 6 health.referrals_sent(03388) shows it                        → {COMPLETED}\n"
            "✓ The loop closed: all 6 steps as expected.\n")


def expected_summary(env: dict[str, str], walked_before: bool = False) -> str:
    reporting, health, education = (env[f"{name}_WEB_SERVER_ADDRESS"] for name in
                                    ("REPORTING", "HEALTH", "EDUCATION"))
    page = f"http://{reporting}/indicators?area={{}}&as_of=2026-06-30&format=html"
    auth = 'curl -H "Authorization: Bearer $TOKEN"'
    return (
        "Demo commune 03388 Phường Đoàn Kết (Tỉnh Lai Châu) on 2026-06-30, against the hand count in "
        "tools/demo_commune.py:\n" + CHECKED_LINES + "\n" + loop_lines(walked_before) + "\n"
        "Every page and file needs a token: sign one for a province officer (valid 1 hour) with\n"
        "  export TOKEN=$(.venv/bin/python -m tools.access token --user officer --role province_officer "
        "--area 12)\n"
        "Save the report page, then open the file in a browser:\n"
        f"  commune:  {auth} -o report.html '{page.format('03388')}'\n"
        f"  province: {auth} -o province.html '{page.format('12')}&by=commune'   (one row per commune)\n"
        "Download as CSV:\n"
        f"  due vaccinations (health): {auth} -OJ 'http://{health}/due-vaccinations?commune_code=03388&"
        "as_of=2026-06-30'\n"
        f"  school roster (education): {auth} -OJ 'http://{education}/school-roster?school_code=MG-03388&"
        "school_year=2025-2026'\n")


def make_demo(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tools.demo"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)


def test_the_demo_commune_gives_the_hand_counted_indicators(platform, clean_infra, tmp_path):
    _, config, env = platform
    sectors = [ServiceProcess(name, {**env, f"{name.upper()}_DB_URL": clean_infra.db_url(name),
                                     f"{name.upper()}_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"},
                              tmp_path).start() for name in ("education", "health", "protection")]
    try:
        for sector in sectors:
            wait_ready(config, sector.service, "events_since", 0, 1)
        with cluster_proxy(config, timeout=30) as rpc:
            for _ in range(2):  # a second load is a retry: it must store nothing new
                for service, load in demo.LOADERS:
                    load(getattr(rpc, service))
            stats = demo.wait_for_projection(rpc.reporting, demo_commune.ALL_EVENTS)
            report = rpc.reporting.indicators(demo_commune.DEMO_AREA, demo_commune.DEMO_AS_OF)
    finally:
        for sector in sectors:
            sector.stop()
    assert stats["processed_events"] == 23 + 3 + 16 + 4 == demo_commune.ALL_EVENTS
    for expected in (demo_commune.EXPECTED, demo_commune.EXPECTED_EDUCATION, demo_commune.EXPECTED_HEALTH,
                     demo_commune.EXPECTED_PROTECTION):
        assert demo_commune.figures(report["indicators"], expected) == expected
    assert report["area"] == {"code": "03388", "level": "commune", "map": "2025",
                             "name": "Phường Đoàn Kết", "parents": [
                                 {"level": "province", "code": "12", "name": "Tỉnh Lai Châu"}]}
    url = f"http://{env['REPORTING_WEB_SERVER_ADDRESS']}/indicators"
    officer = bearer(token("province_officer", areas=["12"]))
    page = requests.get(url, params={"area": "12", "as_of": demo_commune.DEMO_AS_OF}, headers=officer,
                        timeout=10)
    assert (page.status_code, demo_commune.figures(page.json()["indicators"], demo_commune.EXPECTED)) == \
        (200, demo_commune.EXPECTED)
    html = requests.get(url, params={"area": "12", "as_of": demo_commune.DEMO_AS_OF, "format": "html"},
                        headers=officer, timeout=10)
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>Tỉnh Lai Châu (12)</title>" in html.text
    bad = requests.get(url, params={"area": "99", "as_of": "2026-06-30"}, headers=officer, timeout=10)
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["area"]  # named as the URL names it


def test_a_remote_caller_gets_the_typed_error_naming_the_field(platform):
    _, config, _ = platform
    with cluster_proxy(config, timeout=30) as rpc:
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
    for name in others:  # an RPC each, so their labelled RPC series exist for promtool to read
        wait_ready(config, name, "events_since", 0, 1)
    with cluster_proxy(config, timeout=30) as rpc:
        demo_commune.load(rpc.registry)
        demo.wait_for_projection(rpc.reporting, demo_commune.EVENT_COUNT)

    def scrape(name, path="metrics"):
        try:
            return requests.get(f"http://{ports[name]}/{path}", timeout=2).text
        except requests.ConnectionError:
            return ""

    try:
        # /metrics answers from the moment the web server is up; /healthz says "ok" only once every
        # queue consumer is ready, which for a service started just now may be a little later.
        for name in ports:
            wait_until(lambda n=name: scrape(n, "healthz") == "ok", 60, f"{name} /healthz ok")
        for name in ports:  # the dead-letter queue's depth: read on every service's first tick
            wait_until(lambda n=name: f'ecd_queue_messages{{queue="{n}.dead-letter",service="{n}"}} 0.0'
                       in scrape(n), 30, f"{name}'s queue depths")
        texts = {name: scrape(name) for name in ports}
    finally:
        for process in others.values():
            process.stop()
    assert {name: lint_metrics(text) for name, text in texts.items()} == {name: "" for name in ports}
    assert [name for name in others if f'ecd_rpc_requests_total{{method="events_since",outcome="ok",'
            f'service="{name}"}}' not in texts[name]] == []
    registry, reporting = texts["registry"], texts["reporting"]
    assert 'ecd_rpc_requests_total{method="register_birth",outcome="ok",service="registry"} 13.0' in registry
    assert 'ecd_events_published_total{event_type="birth_registered",service="registry"} 13.0' in registry
    assert 'ecd_rpc_duration_seconds_count{method="register_birth",service="registry"} 13.0' in registry
    assert 'ecd_outbox_messages{service="registry"} 0.0' in registry
    assert 'ecd_outbox_oldest_unsent_age_seconds{service="registry"} 0.0' in registry
    assert ('ecd_events_consumed_total{event_type="birth_registered",outcome="applied",service="reporting"} '
            '13.0') in reporting
    assert 'ecd_projection_lag_seconds{source="registry"}' in reporting


def test_make_demo_after_make_run_prints_every_figure_checked_and_exits_0(clean_infra, tmp_path):
    env = platform_env(clean_infra.amqp_uri, {s: clean_infra.db_url(s) for s in SERVICES})
    with platform_running(env, tmp_path / "run.log"):
        first, second = make_demo(env), make_demo(env)  # the second stores nothing new
        with cluster_proxy({"AMQP_URI": clean_infra.amqp_uri}, timeout=30) as rpc:
            stats = rpc.reporting.view_stats()
    assert (first.returncode, first.stdout, first.stderr) == (0, expected_summary(env), "")
    assert (second.returncode, second.stdout, second.stderr) == (0, expected_summary(env, True), "")
    assert stats["processed_events"] == demo_commune.ALL_EVENTS + 3 == demo.DEMO_EVENTS  # the loop's 3


def test_make_demo_reports_a_figure_that_differs_with_a_cross_and_exits_1(clean_infra, tmp_path):
    env = platform_env(clean_infra.amqp_uri, {s: clean_infra.db_url(s) for s in SERVICES})
    with platform_running(env, tmp_path / "run.log"):
        with cluster_proxy({"AMQP_URI": clean_infra.amqp_uri}, timeout=30) as rpc:
            rpc.health.record_health_check({  # a third child checked: the hand count says two
                "record_id": "not-in-the-hand-count", "child_id": demo_commune.child_id(10),
                "checked_on": "2026-06-01", "commune_code": demo_commune.DEMO_AREA})
            wait_until(lambda: rpc.reporting.view_stats()["processed_events"] == 1, 30, "the check applied")
        result = make_demo(env)
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert [line for line in lines if "✗" in line] == [
        "  ✗ health      health_check_3_8                expected 2/4 = 0.5      got 3/4 = 0.75",
        "✗ 1 of 24 figures differ from the hand count (the ✗ lines above)."]


def test_make_run_on_the_embedded_sqlite_then_make_demo_matches_on_the_first_try(clean_infra, tmp_path):
    """As a newcomer runs it: every service on its default SQLite engine (in tmp, not var/)."""
    env = platform_env(clean_infra.amqp_uri, sqlite_urls(tmp_path))
    with platform_running(env, tmp_path / "run.log"):
        result = make_demo(env)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected_summary(env), "")
