"""Every family of counts the province report keeps besides the children's (protection cases where they
were opened, referrals where they were made and their days to completion, programme figures, the
breakdowns and a legacy province's districts, children in no commune of the province) changes with a
write exactly as the report counted afresh does: after a warm report kept its counts, one write, and
the report with kept counts equals the one counted afresh (both maps, by commune, district and every
breakdown) and shows the write."""

import json
from datetime import date

import pytest
from sqlalchemy import select

from bench.generated_events import province_envelopes
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ResidencePeriod
from services.reporting.repository import ReportingRepository
from services.reporting.sources.programme.entry import record_figures
from services.reporting.use_cases import apply_event, apply_events
from shared.contracts import payload_schema
from shared.contracts.events import make_envelope
from shared.kit.identity import Identity
from shared.plumbing.metrics import service_metrics
from shared.rules.admin_units import admin_units
from tests.support.factories import (
    COMMUNE,
    make_case,
    make_referral_answer_payload,
    make_referral_envelope,
    make_referral_payload,
)
from tests.support.province_golden import REPORTS

METRICS = service_metrics("reporting")
NOW, LEGACY_DAY = "12@2026-06-30", "12@2025-03-31"  # the province's reports on the 2025 and legacy maps
OFFICER = Identity("officer-12", "tests", ("province_officer",), ("12",), "monitoring", "tests",
                   date(2026, 7, 1))


def reports(session, keep: bool) -> dict:
    """The province's reports of ``REPORTS`` (both maps, every place and breakdown), committed."""
    units, found = admin_units(), {}
    for code, as_of, start, by in REPORTS[:2]:
        report = compute_indicators(ReportingRepository(session, keep_counts=keep),
                                    resolve_area(code, as_of, units), as_of, start, as_of, units, by=by)
        report.pop("freshness")
        found[f"{code}@{as_of}"] = json.loads(json.dumps(report, sort_keys=True, default=str))
    session.commit()
    return found


def changed(before: dict, after: dict, key: str) -> set[str]:
    """The province's figures (and sections) that differ."""
    old, new = before[key], after[key]
    return ({i for i in new["indicators"] if new["indicators"][i] != old["indicators"][i]}
            | {part for part in ("communes", "districts", "breakdowns") if new.get(part) != old.get(part)})


@pytest.fixture
def warm(session) -> dict:
    """A generated province applied, its reports made with kept counts (kept and committed)."""
    apply_events(session, province_envelopes(60, admin_units()), METRICS)
    return reports(session, keep=True)


def living_elsewhere(session) -> str:
    """A child of the province living outside commune 03388 on both maps."""
    r = ResidencePeriod
    return session.scalars(select(r.child_id).where(r.legacy_commune != COMMUNE, r.current_commune != COMMUNE)
                           .order_by(r.child_id)).first()


def after_write(session, warm: dict) -> dict:
    kept = reports(session, keep=True)
    assert kept == reports(session, keep=False)
    return kept


def test_cases_opened_where_the_child_does_not_live_change_the_kept_report_as_the_fresh_one(session, warm):
    child = living_elsewhere(session)
    for day in ("2025-03-03", "2026-03-03"):
        for _ in range(5):
            record = make_case(child, opened_on=day)
            payload = payload_schema("protection", "case_opened").load(
                {k: v for k, v in record.items() if k not in ("child_id", "notes")})
            on = date.fromisoformat(day)
            opened = make_envelope("case_opened", "protection", child, COMMUNE, on, payload)
            apply_event(session, opened, METRICS)
    kept = after_write(session, warm)
    assert "protection_cases_opened" in changed(warm, kept, NOW) & changed(warm, kept, LEGACY_DAY)


def test_referrals_made_and_completed_change_the_kept_report_as_the_fresh_one(session, warm):
    child = living_elsewhere(session)
    for day in ("2025-03-03", "2026-03-03"):
        sent = make_referral_payload(referred_on=day)
        apply_event(session, make_referral_envelope("health", "referral_sent", child, sent), METRICS)
        done = make_referral_answer_payload(sent, "referral_completed", answered_on=day[:-2] + "10")
        apply_event(session, make_referral_envelope("education", "referral_completed", child, done), METRICS)
    kept = after_write(session, warm)
    for key in (NOW, LEGACY_DAY):
        assert {"referrals_sent", "referrals_median_days_to_completion"} <= changed(warm, kept, key)


def test_programme_figures_entered_change_the_kept_report_as_the_fresh_one(session, warm):
    record_figures(session, {"record_id": "prog-1", "commune_code": COMMUNE, "period": "2026-H1",
                             "values": {"staff_trained": 12, "staff_total": 40, "parents_trained": 150,
                                        "parents_total": 600, "communication_sessions": 4}, "reason": None},
                   OFFICER, date(2026, 7, 1), admin_units())
    kept = after_write(session, warm)
    assert {"staff_trained", "communication_sessions", "communes"} <= changed(warm, kept, NOW)


def test_new_children_change_the_kept_breakdowns_and_districts_as_the_fresh_ones(session, warm):
    apply_events(session, province_envelopes(30, admin_units(), seed=11), METRICS)
    kept = after_write(session, warm)
    assert "breakdowns" in changed(warm, kept, NOW)
    assert {"breakdowns", "districts"} <= changed(warm, kept, LEGACY_DAY)


def test_a_child_moved_to_no_commune_of_the_province_changes_the_kept_report_as_the_fresh_one(session, warm):
    child = living_elsewhere(session)
    repo = ReportingRepository(session)
    rows = [{column.name: getattr(row, column.name) for column in ResidencePeriod.__table__.columns
             if column.name != "id"} | {"legacy_commune": None, "current_commune": None}
            for row in repo.rows_of(ResidencePeriod, child)]
    repo.replace_residences(child, rows, first=False)
    session.commit()
    kept = after_write(session, warm)
    assert "communes" in changed(warm, kept, NOW)  # it left its commune, not the province:
    assert not changed(warm, kept, NOW) & {"under5_registered", "under6_insurance_card_coverage"}


HANOI = Identity("officer-01", "tests", ("province_officer",), ("01",), "monitoring", "tests",
                 date(2026, 7, 1))
SESSIONS = {"staff_trained": 12, "staff_total": 40, "parents_trained": 150, "parents_total": 600}


def hanoi_2025(session, keep: bool) -> dict:
    units = admin_units()
    report = compute_indicators(ReportingRepository(session, keep_counts=keep),
                                resolve_area("01", date(2025, 12, 31), units), date(2025, 12, 31),
                                date(2025, 1, 1), date(2025, 12, 31), units, by=("commune",))
    report.pop("freshness")
    session.commit()
    return json.loads(json.dumps(report, sort_keys=True, default=str))


def test_programme_entries_of_one_code_on_both_maps_stay_two_communes_kept_or_counted_afresh(session):
    """00103 was Xuân La (merged into ward 00611) and is now ward Tây Hồ: two communes, one code."""
    def enter(record_id, period, sessions, reason=None):
        values = {**SESSIONS, "communication_sessions": sessions}
        record_figures(session, {"record_id": record_id, "commune_code": "00103", "period": period,
                                 "values": values, "reason": reason}, HANOI, date(2026, 7, 1), admin_units())
    enter("p1", "2025-H1", 4)  # on the legacy map: Xuân La
    enter("p2", "2025-H2", 7)  # on the 2025 map: Tây Hồ
    hanoi_2025(session, keep=True)
    enter("p3", "2025-H2", 9, reason="typo")
    kept, fresh = hanoi_2025(session, keep=True), hanoi_2025(session, keep=False)
    assert kept == fresh
    assert kept["indicators"]["communication_sessions"]["value"] == 13
