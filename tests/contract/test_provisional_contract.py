"""What every sector gets from ``shared.kit.provisional``, run once per sector (registry, health,
education, protection): a provisional child recorded under the id the sector mints, a kit write
(replayed, conflicting, voided like any other), and ``provisional_events_since``, the part of the
log the registry follows (provisional children and their voids, never the rest)."""

import pytest

from services.education.service import EducationService
from services.health.service import HealthService
from services.protection.service import ProtectionService
from services.registry.service import RegistryService
from shared.contracts.identity import mint_provisional_id
from shared.exceptions import Conflict, ValidationFailed
from tests.support.factories import make_provisional_child, make_referral
from tests.support.hooks import call


@pytest.fixture(params=[RegistryService, HealthService, EducationService, ProtectionService],
                ids=lambda service: service.name)
def sector(request, container_factory, service_config, tmp_path):
    extra = {"NOTES_KEY_FILE": str(tmp_path / "notes.key")} if request.param is ProtectionService else {}
    container = container_factory(request.param, service_config(request.param.name, **extra))
    container.start()
    return container


def test_a_sector_records_a_provisional_child_under_the_id_it_mints_and_replays_it(sector):
    record = make_provisional_child()
    answer = call(sector, "record_provisional_child", record)
    minted = mint_provisional_id(sector.service_name, record["record_id"])
    assert (answer["provisional_id"], answer["child_id"], answer["event_type"], answer["status"]) == (
        minted, minted, "provisional_child_recorded", "accepted")
    assert call(sector, "record_provisional_child", dict(record)) == answer
    with pytest.raises(Conflict):
        call(sector, "record_provisional_child", {**record, "sex": "male"})


def test_a_provisional_child_with_neither_name_nor_mother_is_refused_naming_full_name(sector):
    with pytest.raises(ValidationFailed) as refused:
        call(sector, "record_provisional_child", make_provisional_child(full_name=None, mother_name=None))
    assert refused.value.errors == {
        "full_name": ["Give the child's name (or 'con của <mother>'), the mother's name, or both."]}
    assert call(sector, "provisional_events_since", 0, 10) == []


def test_the_provisional_log_holds_provisional_children_and_their_voids_only(sector):
    record = make_provisional_child()
    minted = call(sector, "record_provisional_child", record)["provisional_id"]
    receiver = "health" if sector.service_name == "education" else "education"
    call(sector, "refer_child", make_referral(minted, to_sector=receiver))
    call(sector, "void_record", record["record_id"], "entered twice")
    log = call(sector, "provisional_events_since", 0, 10)
    assert [(entry["envelope"]["event_type"], entry["envelope"]["child_id"]) for entry in log] == [
        ("provisional_child_recorded", minted), ("record_voided", minted)]
    assert [entry["position"] for entry in call(sector, "events_since", 0, 10)] == [1, 2, 3]
