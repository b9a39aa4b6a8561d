"""The reporting view rebuilt from the producers' event logs with COPY (issue 19) equals the view the
same events built one at a time, and the service goes on applying events to the rebuilt tables."""

from datetime import date
from types import SimpleNamespace

import pytest
from nameko.testing.services import entrypoint_waiter, replace_dependencies
from psycopg2 import extensions
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bench.generated_events import fetches, logs_of
from services.reporting import bulk_tables, rebuild
from services.reporting.copy_rows import CHUNK, copy_rows
from services.reporting.orm import ChildView, Fact, ReportingBase
from services.reporting.service import ReportingService
from services.reporting.use_cases import apply_event
from shared.contracts import SOURCES
from shared.plumbing.metrics import service_metrics
from tests.support.event_streams import dump, province_stream
from tests.support.factories import make_birth, make_birth_envelope
from tests.support.hooks import call

METRICS = service_metrics("reporting")


def producer(log: list[dict]) -> SimpleNamespace:
    """A producer's ``events_since`` as ``event_logs.fetch_page`` calls it, answering from ``log``."""
    def call_async(position: int, limit: int) -> SimpleNamespace:
        return SimpleNamespace(result=lambda: log[position:position + limit])
    return SimpleNamespace(events_since=SimpleNamespace(call_async=call_async))


@pytest.fixture
def reporting_session(clean_infra):
    engine = create_engine(clean_infra.db_url("reporting"))
    ReportingBase.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="module")
def stream() -> list[dict]:
    return province_stream(80)


def test_the_view_rebuilt_from_the_logs_equals_the_view_the_events_built_one_by_one(reporting_session,
                                                                                    stream):
    for envelope in stream:
        apply_event(reporting_session, envelope, METRICS)
    built = dump(reporting_session)
    done = rebuild.rebuild(reporting_session, fetches(logs_of(stream)))
    assert dump(reporting_session) == built
    assert (done["events"], done["refused"]) == (len(stream), 0)
    assert done["positions"] == {source: len(log) for source, log in logs_of(stream).items()}


def test_a_rebuild_over_a_wiped_view_twice_gives_the_same_tables_and_events_apply_on_them(
        reporting_session, stream):
    rebuild.rebuild(reporting_session, fetches(logs_of(stream)))
    first = dump(reporting_session)
    rebuild.rebuild(reporting_session, fetches(logs_of(stream)))
    assert dump(reporting_session) == first
    birth = make_birth_envelope()
    assert apply_event(reporting_session, birth, METRICS) is True
    assert reporting_session.scalar(select(ChildView.child_id).where(
        ChildView.child_id == birth["child_id"])) == birth["child_id"]


def test_an_event_that_breaks_its_contract_is_counted_and_left_out(reporting_session, stream):
    broken = {**stream[0], "schema_version": 2}
    done = rebuild.rebuild(reporting_session, fetches(logs_of([broken, *stream[1:]])))
    assert (done["events"], done["refused"]) == (len(stream) - 1, 1)


def test_rebuild_view_reads_every_producers_log_and_the_service_answers_from_the_rebuilt_view(
        registry_container, health_container, education_container, protection_container,
        reporting_container, reporting_db):
    births = [make_birth(record_id=f"rebuild-{i}") for i in range(3)]
    for birth in births:
        with entrypoint_waiter(reporting_container, "handle_registry_birth_registered"):
            call(registry_container, "register_birth", birth)
    reporting_db.execute(text("DELETE FROM child_views"))  # a view gone wrong, whatever the cause
    reporting_db.commit()
    done = call(reporting_container, "rebuild_view")
    assert (done["events"], done["refused"], done["positions"]) == (
        3, 0, {"registry": 3, "health": 0, "education": 0, "protection": 0})
    assert call(reporting_container, "view_stats") == {"children": 3, "registered": 3, "processed_events": 3}
    assert call(reporting_container, "child_view", births[0]["child_id"])["registered"] is True


def test_the_running_service_rebuilds_with_copy_under_eventlet_to_the_view_its_consumer_built(
        container_factory, service_config, reporting_db, stream):
    container = container_factory(ReportingService, service_config("reporting"))
    logs = logs_of(stream)
    replace_dependencies(container, event_logs={source: producer(logs.get(source, [])) for source in SOURCES})
    container.start()
    for envelope in stream:
        apply_event(reporting_db, envelope, METRICS)
    built = dump(reporting_db)
    reporting_db.commit()
    assert extensions.get_wait_callback() is not None  # eventlet's: psycopg2 refuses COPY under it
    done = call(container, "rebuild_view")
    assert (done["events"], done["refused"]) == (len(stream), 0)
    assert dump(reporting_db) == built
    assert extensions.get_wait_callback() is not None


def test_copy_writes_text_with_tabs_line_ends_and_backslashes_nulls_booleans_json_and_dates_as_given(
        reporting_session):
    awkward = "Lò\tThị\nMai\\r\r\\N"
    view = {"child_id": "012224000001", "registered": True, "full_name": awkward, "mother_name": None,
            "date_of_birth": date(2024, 3, 1), "days_to_registration": 18, "merged_ids": ["a\\b"],
            "on_time": False}
    table = bulk_tables.new_table(reporting_session, ChildView.__table__)
    copy_rows(reporting_session, table, [view])
    columns = [table.c[name] for name in view]
    assert dict(reporting_session.execute(select(*columns)).one()._mapping) == view


def test_copy_writes_more_rows_than_one_chunk_holds_each_once(reporting_session):
    facts = [{"source": "health", "record_id": f"r{n}", "child_id": f"c{n % 7}", "event_type": "x",
              "payload": {"n": n, "name": "Vũ\tAnh"}} for n in range(CHUNK + 3)]
    table = bulk_tables.new_table(reporting_session, Fact.__table__)
    copy_rows(reporting_session, table, facts)
    got = {row.record_id: row.payload for row in reporting_session.execute(select(table))}
    assert got == {fact["record_id"]: fact["payload"] for fact in facts}
