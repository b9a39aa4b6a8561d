"""Automatic referrals on the real RabbitMQ and PostgreSQL: each rule fires once per child while its
condition holds, again only after the condition ended and came back, and never on a retried write,
a second sweep or a catch-up; each referral lands in the receiving sector's inbox."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from services.health.orm import Record as HealthRecord
from shared.rules.clock import today
from tests.support.factories import (
    COMMUNE,
    make_birth,
    make_enrolment,
    make_enrolment_end,
    make_growth,
    make_screening,
    make_special_circumstance,
    make_vaccination,
    personal_id,
)
from tests.support.hooks import call, write_and_wait

SEVERELY_WASTED = {"weight_kg": 8.0, "length_height_cm": 85.0, "measured_on": "2026-03-01"}  # WFL < -3
WELL_FED = {"weight_kg": 11.5, "length_height_cm": 86.0, "measured_on": "2026-04-01"}


@pytest.fixture
def born(registry_container, health_container, education_container, protection_container):
    def register(date_of_birth="2024-03-01", sex="female"):
        birth = make_birth(date_of_birth=date_of_birth, sex=sex)
        write_and_wait(registry_container, "register_birth", [birth],
                       [(c, "handle_registry_birth_registered")
                        for c in (health_container, education_container, protection_container)])
        return birth["child_id"]

    return register


def wasted(child, on):
    return make_growth(child, **{**SEVERELY_WASTED, "measured_on": on})


def sent(container, rule=None):
    rows = call(container, "referrals_sent", COMMUNE)
    return [(row["reason"], row["to_sector"]) for row in rows if rule is None or row["rule"] == rule]


def test_a_severely_wasted_child_is_referred_once_and_again_only_after_recovering_and_relapsing(
        born, health_container):
    child = born()
    first = make_growth(child, **SEVERELY_WASTED)
    call(health_container, "record_growth", first)
    call(health_container, "record_growth", first)  # a retry: no second referral
    call(health_container, "record_growth", wasted(child, "2026-03-15"))
    assert sent(health_container, "severe_wasting") == [("severe_wasting", "health")]
    call(health_container, "record_growth", make_growth(child, **WELL_FED))  # the condition ends
    call(health_container, "record_growth", wasted(child, "2026-05-01"))
    referrals = call(health_container, "referral_inbox", COMMUNE)
    assert sorted(row["referral_id"] for row in referrals if row["rule"] == "severe_wasting") == [
        f"health:auto:severe_wasting:{child}:1", f"health:auto:severe_wasting:{child}:2"]
    assert {row["urgency"] for row in referrals} == {"urgent"}


def test_a_batch_of_growths_refers_each_severely_wasted_child_once_and_its_retry_none(born, health_container):
    wasted_children, fed = [born(), born()], born()
    batch = [make_growth(wasted_children[0], **SEVERELY_WASTED), make_growth(fed, **WELL_FED),
             make_growth(wasted_children[1], **SEVERELY_WASTED)]
    assert [a["status"] for a in call(health_container, "record_growths", batch)] == ["accepted"] * 3
    call(health_container, "record_growths", batch)
    referrals = call(health_container, "referral_inbox", COMMUNE)
    assert sorted(row["referral_id"] for row in referrals if row["rule"] == "severe_wasting") == sorted(
        f"health:auto:severe_wasting:{child}:1" for child in wasted_children)


def test_a_suspected_disability_goes_to_education_and_to_protection_for_a_child_in_a_special_circumstance(
        born, health_container, education_container, protection_container):
    child = born()
    call(protection_container, "record_special_circumstance", make_special_circumstance(child))
    write_and_wait(health_container, "record_screening",
                   [make_screening(child, kind="disability", result="suspected", screened_on="2026-03-01")],
                   [(education_container, "handle_health_referral_sent"),
                    (protection_container, "handle_health_referral_sent")])
    [to_education] = call(education_container, "referral_inbox", COMMUNE)
    assert (to_education["reason"], to_education["from_sector"], to_education["rule"]) == (
        "suspected_disability", "health", "suspected_disability")
    [to_protection] = call(protection_container, "referral_inbox", COMMUNE)
    assert (to_protection["reason"], to_protection["from_sector"], to_protection["rule"]) == (
        "suspected_disability", "protection", None)  # a private rule: its event does not name it
    assert "special" not in to_protection["referral_id"]
    assert call(protection_container, "catch_up_referrals")["health"]["applied"] == 0
    assert call(protection_container, "run_referral_rules") == {"fired": 0, "ended": 0}
    assert len(call(protection_container, "referral_inbox", COMMUNE)) == 1


def test_a_sweep_finds_children_out_of_school_and_fires_once_per_child_and_receiver(
        born, education_container):
    five, seven = born("2021-05-01"), born("2019-02-02")  # 5 and 7 by year in school year 2026-2027
    enrolled = born("2021-06-01")
    call(education_container, "record_enrolment", make_enrolment(
        enrolled, school_year="2026-2027", start_date="2026-09-07"))
    october = (today() if today().month >= 10 else today().replace(month=10, day=15)).isoformat()
    assert call(education_container, "run_referral_rules", as_of=october) == {"fired": 3, "ended": 0}
    assert call(education_container, "run_referral_rules", as_of=october) == {"fired": 0, "ended": 0}
    rows = call(education_container, "referrals_sent", COMMUNE)
    assert sorted((row["child_id"], row["reason"], row["to_sector"]) for row in rows) == sorted([
        (five, "not_enrolled", "education"), (seven, "not_enrolled", "education"),
        (seven, "not_enrolled", "protection")])


def test_a_drop_out_of_six_to_eight_is_referred_to_education_and_protection_when_the_end_is_recorded(
        born, education_container):
    child = born("2019-02-02")
    enrolment = make_enrolment(child, level="primary", grade=1, school_year="2025-2026",
                               start_date="2025-09-05")
    call(education_container, "record_enrolment", enrolment)
    call(education_container, "end_enrolment", make_enrolment_end(enrolment["record_id"],
                                                                  ended_on="2026-03-02"))
    assert sorted(sent(education_container)) == [("dropped_out", "education"), ("dropped_out", "protection")]


def test_a_long_overdue_dose_and_a_child_the_registry_does_not_know_are_referred_by_health(
        born, health_container, health_db):
    child = born("2024-03-01")
    call(health_container, "record_vaccination", make_vaccination(child, given_on="2024-05-10"))
    stranger = personal_id()
    call(health_container, "record_vaccination", make_vaccination(stranger, given_on="2024-05-10"))
    health_db.execute(update(HealthRecord).where(HealthRecord.child_id == stranger).values(
        created_at=HealthRecord.created_at - timedelta(days=15)))
    health_db.commit()
    assert call(health_container, "run_referral_rules") == {"fired": 2, "ended": 0}
    assert sorted(sent(health_container)) == [("no_birth_registration", "registry"),
                                              ("vaccination_overdue", "health")]


def test_a_health_referral_protection_catches_up_on_still_fires_its_rule_once(
        registry_container, health_container, education_container, container_factory, service_config,
        tmp_path):
    from services.protection.service import ProtectionService

    birth = make_birth(date_of_birth="2024-03-01")
    write_and_wait(registry_container, "register_birth", [birth],
                   [(c, "handle_registry_birth_registered") for c in (health_container, education_container)])
    child = birth["child_id"]
    write_and_wait(health_container, "record_screening",
                   [make_screening(child, kind="disability", result="suspected", screened_on="2026-03-01")],
                   [(education_container, "handle_health_referral_sent")])  # protection is not running
    protection = container_factory(ProtectionService, service_config(
        "protection", NOTES_KEY_FILE=str(tmp_path / "notes.key")))
    protection.start()
    call(protection, "record_special_circumstance", make_special_circumstance(child))
    assert call(protection, "referral_inbox", COMMUNE) == []
    assert call(protection, "catch_up_referrals")["health"]["applied"] == 1
    assert call(protection, "catch_up_referrals")["health"]["applied"] == 0
    [referral] = call(protection, "referral_inbox", COMMUNE)
    assert (referral["reason"], referral["from_sector"]) == ("suspected_disability", "protection")
