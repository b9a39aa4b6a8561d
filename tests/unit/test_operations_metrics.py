"""The operators' gauges and counters say what happened: how many outbox events wait and how old the
oldest is, how far behind its sources the projection is (and that this does not grow while nothing
new comes), and how each catch-up ended; that the series an alert's ``increase()`` reads exist at 0
before their first event. Read from prometheus_client's registry, by the names and
labels Prometheus scrapes."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from nameko.rpc import Rpc
from prometheus_client import REGISTRY
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.registry.orm import OutboxMessage, RegistryBase
from services.reporting import use_cases
from services.reporting.orm import ReportingBase
from shared.exceptions import Forbidden, NotFound, Unauthenticated, ValidationFailed
from shared.plumbing import outbox
from shared.plumbing.metrics import (
    CATCH_UP_OUTCOMES,
    RpcMetrics,
    count_catch_ups,
    service_metrics,
    start_catch_up_counts,
)
from tests.support.event_streams import province_stream

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_the_outbox_gauges_count_the_unsent_events_and_age_the_oldest(monkeypatch):
    monkeypatch.setattr(outbox, "utc_now", lambda: NOW)
    engine = create_engine("sqlite://")
    RegistryBase.metadata.create_all(engine)
    relay = outbox.Relay(SimpleNamespace(metrics=service_metrics("outbox-test")))
    with Session(engine) as session:
        for minutes, sent in ((5, None), (2, None), (9, NOW)):  # the oldest was sent: not counted
            row = outbox.stage(session, OutboxMessage, {"event_id": f"e{minutes}", "event_type": "birth"})
            row.created_at, row.sent_at = NOW - timedelta(minutes=minutes), sent
        session.commit()
        assert relay.measure_backlog(session, OutboxMessage) == 2
    assert sample("ecd_outbox_messages", service="outbox-test") == 2
    assert sample("ecd_outbox_oldest_unsent_age_seconds", service="outbox-test") == 300


def test_an_empty_outbox_has_no_oldest_event_and_ages_it_0(monkeypatch):
    engine = create_engine("sqlite://")
    RegistryBase.metadata.create_all(engine)
    relay = outbox.Relay(SimpleNamespace(metrics=service_metrics("empty-outbox-test")))
    with Session(engine) as session:
        assert relay.measure_backlog(session, OutboxMessage) == 0
    assert sample("ecd_outbox_messages", service="empty-outbox-test") == 0
    assert sample("ecd_outbox_oldest_unsent_age_seconds", service="empty-outbox-test") == 0


def test_projection_lag_is_the_age_of_the_newest_applied_event_and_0_once_catch_up_finds_nothing_missing(
        monkeypatch):
    body = next(event for event in province_stream(5) if event["source"] == "registry")
    body = {**body, "recorded_at": (NOW - timedelta(seconds=90)).isoformat()}
    monkeypatch.setattr(use_cases, "utc_now", lambda: NOW)
    engine = create_engine("sqlite://")
    ReportingBase.metadata.create_all(engine)
    metrics = service_metrics("reporting")
    with Session(engine) as session:
        assert use_cases.apply_event(session, body, metrics) is True
        applied = sample("ecd_projection_lag_seconds", source="registry")
        monkeypatch.setattr(use_cases, "utc_now", lambda: NOW + timedelta(hours=1))
        assert use_cases.apply_event(session, body, metrics) is False  # a redelivery: nothing applied
        redelivered = sample("ecd_projection_lag_seconds", source="registry")
        use_cases.catch_up(session, "registry", lambda position: [], metrics, lambda *parked: None)
    assert (applied, redelivered, sample("ecd_projection_lag_seconds", source="registry")) == (90, 90, 0)


def test_each_catch_up_is_counted_by_source_and_how_it_ended():
    count_catch_ups("catch-up-test", {"registry": {"read": 10, "applied": 0},
                                      "health": {"read": 12, "applied": 2},
                                      "education": {"unreachable": "RpcTimeout"}})
    count_catch_ups("catch-up-test", {"registry": {"read": 0, "applied": 0}})
    assert {(source, outcome): sample("ecd_catch_up_runs_total", service="catch-up-test", source=source,
                                      outcome=outcome)
            for source, outcome in (("registry", "nothing_missing"), ("health", "applied_from_log"),
                                    ("education", "unreachable"), ("registry", "applied_from_log"))} == {
        ("registry", "nothing_missing"): 2, ("health", "applied_from_log"): 1,
        ("education", "unreachable"): 1, ("registry", "applied_from_log"): None}


def test_each_catch_up_sources_outcomes_exist_at_0_before_its_first_run():
    start_catch_up_counts("born-catch-up-test", ("registry", "health"))
    assert {(source, outcome): sample("ecd_catch_up_runs_total", service="born-catch-up-test", source=source,
                                      outcome=outcome)
            for source in ("registry", "health") for outcome in CATCH_UP_OUTCOMES} == {
        (source, outcome): 0 for source in ("registry", "health") for outcome in CATCH_UP_OUTCOMES}


def test_each_rpc_methods_outcomes_and_declared_refusals_exist_at_0_before_its_first_call():
    case_view = Rpc(expected_exceptions=(ValidationFailed, NotFound, Unauthenticated, Forbidden, KeyError))
    case_view.method_name = "case_view"
    provider = RpcMetrics()
    provider.container = SimpleNamespace(service_name="born-rpc-test", entrypoints=[case_view])
    provider.setup()
    outcomes = ("ok", "error", "ValidationFailed", "NotFound", "Unauthenticated", "Forbidden", "KeyError")
    assert {outcome: sample("ecd_rpc_requests_total", service="born-rpc-test", method="case_view",
                            outcome=outcome) for outcome in outcomes} == {
        "ok": 0, "error": 0, "ValidationFailed": 0, "NotFound": 0, "Unauthenticated": 0, "Forbidden": 0,
        "KeyError": None}
