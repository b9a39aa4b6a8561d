"""A newborn met before its registration, through every service on the real RabbitMQ and PostgreSQL.

Health meets a girl on her day of birth (1 March 2024, commune 03388), records her under a
provisional id as "con của Lò Thị Mai" and gives her hepatitis B birth dose that day. Forty days
later (10 April) civil registration registers her birth as Lò Thị Hoa, mother Lò Thị Mai. The
registry links the two by rule; reporting then shows ONE child: registered on time, the birth dose
hers and on time, counted once in the commune's figures (on 31 March 2025, when she has reached
12 months: cohort 1, birth dose 1; on 30 June 2024, for the first half of 2024: births 1, registered
on time 1, not registered 0). Before her registration she was a birth not registered within 60 days;
an officer's unlink restores both children exactly as they were, counted as two again.
"""

import pytest

from shared.contracts.identity import mint_provisional_id
from tests.support.factories import COMMUNE, make_birth, make_provisional_child, make_token, make_vaccination
from tests.support.hooks import call, write_and_wait

REGISTRAR = make_token("civil_registrar", user_id="registrar-03388")
OFFICER = make_token("commune_officer", user_id="commune-officer-1")
AS_OF, PERIOD = "2025-03-31", {"start": "2025-01-01", "end": "2025-03-31"}  # she reaches 12 months
BIRTHS_AS_OF, BIRTHS_PERIOD = "2024-06-30", {"start": "2024-01-01", "end": "2024-06-30"}  # she is born


def figures(reporting) -> dict[str, tuple]:
    """Her birth dose at 12 months, and her birth's registration."""
    found = call(reporting, "indicators", COMMUNE, AS_OF, PERIOD, as_token=OFFICER)["indicators"]
    births = call(reporting, "indicators", COMMUNE, BIRTHS_AS_OF, BIRTHS_PERIOD,
                  as_token=OFFICER)["indicators"]
    return {"coverage_hepb_birth_1": (found["coverage_hepb_birth_1"]["numerator"],
                                      found["coverage_hepb_birth_1"]["denominator"]),
            **{key: (births[key]["numerator"], births[key]["denominator"])
               for key in ("birth_registration_on_time", "children_not_registered")}}


def view(reporting, child_id: str) -> dict:
    return call(reporting, "child_view", child_id, as_token=OFFICER)


def doses_of(child_view: dict) -> list[tuple]:
    return [(d["antigen"], d["dose"], d["given_on"], d["valid"]) for d in child_view["health"]["doses"]]


@pytest.fixture
def newborn(registry_container, health_container, reporting_container) -> str:
    """The provisional girl and her birth dose, applied by the registry, health and reporting."""
    record = make_provisional_child()
    write_and_wait(health_container, "record_provisional_child", [record],
                   [(registry_container, "handle_health_provisional_child_recorded"),
                    (reporting_container, "handle_health_provisional_child_recorded")])
    provisional_id = mint_provisional_id("health", record["record_id"])
    write_and_wait(health_container, "record_vaccination",
                   [make_vaccination(provisional_id, antigen="hepb_birth", dose=1, given_on="2024-03-01")],
                   [(reporting_container, "handle_health_vaccination_recorded")])
    return provisional_id


def register(registry, health, reporting, birth: dict) -> dict:
    waits = [(container, f"handle_registry_{event}") for container in (health, reporting)
             for event in ("birth_registered", "identity_linked")]
    return write_and_wait(registry, "register_birth", [birth], waits)


def test_a_birth_dose_under_a_provisional_id_is_the_registered_childs_once_linked_and_apart_after_unlink(
        registry_container, health_container, reporting_container, newborn):
    provisional = view(reporting_container, newborn)
    assert (provisional["child_id"], provisional["registered"], provisional["provisional"],
            provisional["full_name"], doses_of(provisional)) == (
        newborn, False, True, "con của Lò Thị Mai", [("hepb_birth", 1, "2024-03-01", True)])
    assert figures(reporting_container) == {"coverage_hepb_birth_1": (1, 1),
                                            "birth_registration_on_time": (0, 1),
                                            "children_not_registered": (1, None)}

    birth = make_birth(full_name="Lò Thị Hoa", sex="female", date_of_birth="2024-03-01",
                       registration_date="2024-04-10", mother_name="Lò Thị Mai")
    register(registry_container, health_container, reporting_container, birth)
    child = view(reporting_container, birth["child_id"])
    assert (child["child_id"], child["registered"], child["provisional"], child["full_name"],
            child["merged_ids"], doses_of(child)) == (
        birth["child_id"], True, False, "Lò Thị Hoa", [newborn], [("hepb_birth", 1, "2024-03-01", True)])
    assert view(reporting_container, newborn)["child_id"] == birth["child_id"]  # the child it now is
    assert figures(reporting_container) == {"coverage_hepb_birth_1": (1, 1),
                                            "birth_registration_on_time": (1, 1),
                                            "children_not_registered": (0, None)}
    assert call(reporting_container, "children_not_registered", COMMUNE, BIRTHS_AS_OF,
                as_token=OFFICER) == []

    link_record_id = f"auto-{newborn}-{birth['child_id']}"
    write_and_wait(registry_container, "unlink_identities",
                   [{"record_id": "unlink-1", "link_record_id": link_record_id, "reason": "wrong_match"}],
                   [(reporting_container, "handle_registry_identity_unlinked"),
                    (health_container, "handle_registry_identity_unlinked")], as_token=REGISTRAR)
    assert view(reporting_container, newborn) == provisional
    apart = view(reporting_container, birth["child_id"])
    assert (apart["merged_ids"], doses_of(apart)) == (None, [])  # as a child never merged
    assert figures(reporting_container) == {"coverage_hepb_birth_1": (1, 2),
                                            "birth_registration_on_time": (1, 2),
                                            "children_not_registered": (1, None)}
