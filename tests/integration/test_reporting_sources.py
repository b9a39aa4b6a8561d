"""Reporting keeps each source's facts apart: record ids are only unique within their source."""

from datetime import date

import pytest
from sqlalchemy import func, select

from services.reporting import sources as projections
from services.reporting.orm import Fact, ReportingBase
from services.reporting.repository import ReportingRepository
from services.reporting.use_cases import apply_event
from shared.contracts import CONTRACTS
from shared.contracts.events import make_envelope
from shared.plumbing.metrics import service_metrics
from tests.support import sample_sector
from tests.support.factories import make_birth_envelope


@pytest.fixture
def sample_source(monkeypatch):
    """The sample sector as a second source reporting reads, with a projection that notes its facts."""
    seen = []
    for event_type, schema in sample_sector.CONTRACT.items():
        monkeypatch.setitem(CONTRACTS, ("sample", event_type), schema)
    monkeypatch.setitem(projections.PROJECTIONS, "sample",
                        lambda repo, child_id, facts, event_type, units: seen.append(
                            sorted(f.record_id for f in facts)))
    return seen


@pytest.fixture
def db(reporting_db):
    ReportingBase.metadata.create_all(reporting_db.get_bind())
    return reporting_db


def sample_envelope(child_id: str, event_type: str, payload: dict) -> dict:
    return make_envelope(event_type, "sample", child_id, "03388", date(2025, 1, 15),
                         {"record_id": "r1", **payload})


def test_a_record_id_another_source_already_used_is_applied_not_dropped(db, sample_source):
    metrics = service_metrics("reporting")
    birth = make_birth_envelope(record_id="r1")
    weighing = sample_envelope(birth["child_id"], "weighing_recorded",
                               {"weight_kg": 8.4, "measured_on": date(2025, 1, 15)})
    assert (apply_event(db, birth, metrics), apply_event(db, weighing, metrics)) == (True, True)
    assert db.scalar(select(func.count()).select_from(Fact)) == 2
    assert sample_source == [["r1"]]


def test_a_void_from_another_source_leaves_the_registry_record_standing(db, sample_source):
    metrics = service_metrics("reporting")
    birth = make_birth_envelope(record_id="r1")
    void = make_envelope("record_voided", "sample", birth["child_id"], "03388", date(2025, 2, 1),
                         {"record_id": "void-r1", "voided_record_id": "r1",
                          "voided_event_type": "weighing_recorded", "reason": "typo"})
    apply_event(db, birth, metrics)
    apply_event(db, void, metrics)
    assert ReportingRepository(db).get_view(birth["child_id"]).registered is True
