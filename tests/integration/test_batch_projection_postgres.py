"""Reporting's batch projection on PostgreSQL (issue 19), where a batch's facts, views and communes'
data versions are sent as multi-row statements: a generated province's stream, shuffled and partly
delivered twice, gives in batches the tables it gives one event at a time, and nothing of a batch is
sent row by row."""

import random

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from services.reporting.orm import ReportingBase
from services.reporting.use_cases import apply_event, apply_events
from shared.plumbing.metrics import service_metrics
from tests.support.event_streams import dump, province_stream
from tests.support.factories import make_birth_envelope

METRICS = service_metrics("reporting")


def fresh_session(url: str) -> Session:
    engine = create_engine(url)
    ReportingBase.metadata.drop_all(engine)
    ReportingBase.metadata.create_all(engine)
    return Session(engine)


def shuffled_with_redeliveries(events: list[dict], seed: int) -> list[dict]:
    rng = random.Random(seed)
    delivered = events + rng.sample(events, len(events) // 10)
    rng.shuffle(delivered)
    return delivered


def one_row_each(executemany: bool, parameters) -> bool:
    """The driver is given the rows as a list (psycopg2 sends them one by one); a multi-row statement
    is given one set of parameters."""
    return executemany and not isinstance(parameters, dict)


def test_batches_on_postgresql_give_the_one_by_one_tables(clean_infra):
    url, stream = clean_infra.db_url("reporting"), province_stream(40)
    with fresh_session(url) as session:
        for body in stream:
            apply_event(session, body, METRICS)
        expected = dump(session)
    with fresh_session(url) as session:
        delivered = shuffled_with_redeliveries(stream, 7)
        for start in range(0, len(delivered), 50):
            apply_events(session, delivered[start:start + 50], METRICS)
        assert dump(session) == expected
    assert len(expected["processed_events"]) == len(stream)


def test_a_batch_of_births_sends_its_facts_views_and_commune_versions_as_one_statement_each(clean_infra):
    with fresh_session(clean_infra.db_url("reporting")) as session:
        row_by_row = []
        event.listen(session.get_bind(), "before_cursor_execute",
                     lambda conn, cursor, statement, parameters, context, executemany:
                     row_by_row.append(statement.split("(")[0]) if one_row_each(executemany, parameters)
                     else None)
        assert apply_events(session, [make_birth_envelope() for _ in range(20)], METRICS) == 20
        assert row_by_row == []
