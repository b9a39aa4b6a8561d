"""Event streams reporting's projection tests replay: a generated province's (``bench.generated_events``)
with a child met before its registration and a referral, and every projected table as rows."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.generated_events import province_envelopes
from services.reporting.orm import ReportingBase
from shared.rules.admin_units import admin_units
from tests.support.factories import (
    make_referral_answer_payload,
    make_referral_envelope,
    make_referral_payload,
    personal_id,
)
from tests.support.provisional import BORN, birth, dose, link, provisional_record

NOT_PROJECTED = ("audit_log", "log_checks", "source_positions", "published_reports", "commune_versions",
                 "kept_counts")  # the report's kept counts and their versions
WRITE_TIMES = ("id", "updated_at", "processed_at")  # row ids and when rows were written


def provisional_child() -> list[dict]:
    """A boy given his birth dose under a provisional id, registered, linked, then dosed again."""
    child, record = personal_id("male", BORN), provisional_record()
    p = record["child_id"]
    return [record, dose(p, "dose-1"), birth(child), link(p, child), dose(p, "dose-2", "bcg")]


def referral() -> list[dict]:
    sent, child = make_referral_payload(referral_id="REF-B"), personal_id("female", BORN)
    return [make_referral_envelope("health", "referral_sent", child, sent),
            make_referral_envelope("education", "referral_accepted", child,
                                   make_referral_answer_payload(sent, answered_on="2025-03-05"))]


def province_stream(children: int) -> list[dict]:
    return province_envelopes(children, admin_units()) + provisional_child() + referral()


def dump(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table the projection writes, without row ids and write times."""
    tables = {}
    for table in ReportingBase.metadata.sorted_tables:
        if table.name in NOT_PROJECTED:
            continue
        columns = [c for c in table.columns if c.name not in WRITE_TIMES]
        tables[table.name] = sorted(tuple(repr(value) for value in row)
                                    for row in session.execute(select(*columns)))
    return tables
