"""The age-appropriate package's rules: which components apply at which age, and which doses are due."""

from datetime import date, timedelta

import pytest

from services.reporting.sources.package.missing import shown_components
from shared.exceptions import Forbidden
from shared.rules import epi, package

AS_OF = date(2025, 6, 30)  # school year 2024-2025


def applying(birth: date, as_of: date = AS_OF) -> list[str]:
    return [c.name for c in package.components() if c.applies(birth, as_of)]


def test_the_components_are_the_eight_of_the_plan_and_only_support_is_protection_data():
    assert package.names() == ("birth_registered", "insurance_card", "epi_up_to_date", "growth_measured",
                               "health_check", "enrolled", "supported", "referral_not_overdue")
    assert [c.name for c in package.components() if c.protected] == ["supported"]


@pytest.mark.parametrize(("birth", "expected"), [
    (date(2025, 6, 1), ["birth_registered", "insurance_card", "epi_up_to_date", "growth_measured"]),
    # 2 years old on the day: no longer under 2
    (date(2023, 6, 30), ["birth_registered", "insurance_card", "growth_measured"]),
    # one day short of 2
    (date(2023, 7, 1), ["birth_registered", "insurance_card", "epi_up_to_date", "growth_measured"]),
    # 3 completed years, and 3 by birth year in 2024-2025 (2024 - 2021)
    (date(2021, 6, 1), ["birth_registered", "insurance_card", "growth_measured", "health_check",
                        "enrolled"]),
    # 3 completed years, but 2 by birth year (2024 - 2022): health-check age, not yet kindergarten age
    (date(2022, 3, 1), ["birth_registered", "insurance_card", "growth_measured", "health_check"]),
    # 6 completed years: no card, no growth monitoring; 6 by birth year (2024 - 2018): at school
    (date(2018, 6, 1), ["birth_registered", "health_check", "enrolled"]),
    # 8 by birth year (2024 - 2016) but 9 completed years on the day: out of the 0-8 population
    (date(2016, 6, 30), ["enrolled"]),
])
def test_a_component_applies_by_the_age_it_names(birth, expected):
    assert [n for n in applying(birth) if n not in ("supported", "referral_not_overdue")] == expected


def test_zero_to_eight_is_0_through_8_completed_years():
    ages = package.population()
    assert ages.holds(date(2016, 7, 1), AS_OF) and ages.holds(AS_OF, AS_OF)
    assert not ages.holds(date(2016, 6, 30), AS_OF)


def test_completed_months_follow_the_calendar_at_the_end_of_a_month():
    # born 31 January: one month old on 28 February (as epi.age_in_months counts), not before
    one_month = package.AgeRule(months=(1, 2))
    assert one_month.holds(date(2025, 1, 31), date(2025, 2, 28))
    assert not one_month.holds(date(2025, 1, 31), date(2025, 2, 27))


@pytest.mark.parametrize("age", ["0d", "6w", "10w", "2m", "9m", "18m", "5y"])
@pytest.mark.parametrize("grace", [0, 28])
def test_latest_birth_is_the_last_birth_date_that_reached_the_age_with_its_grace(age, grace):
    as_of = date(2025, 3, 31)
    last = package.latest_birth(as_of, age, grace)
    for birth in (last - timedelta(days=d) for d in range(0, 40)):
        assert epi.after_age(birth, age) + timedelta(days=grace) <= as_of
    for birth in (last + timedelta(days=d) for d in range(1, 40)):
        assert epi.after_age(birth, age) + timedelta(days=grace) > as_of


def test_a_dose_is_due_once_its_due_age_and_28_days_have_passed():
    epi_up_to_date = package.component("epi_up_to_date")
    due = {(d.antigen, d.dose): d.last_birth for d in package.due_doses(AS_OF, epi_up_to_date)}
    # 2 months + 28 days before 30 June 2025: born by 2 April 2025 (30 June - 28 d = 2 June; - 2 m)
    assert due[("dtp_hepb_hib", 1)] == date(2025, 4, 2)
    assert due[("dtp_hepb_hib", 2)] == date(2025, 6, 2) - timedelta(weeks=10)  # no due age: its min age
    assert due[("measles", 1)] == date(2024, 9, 2)
    assert due[("bcg", 1)] == date(2025, 6, 2)
    assert ("hepb_birth", 1) not in due and ("rota", 1) not in due and ("ipv", 2) not in due


def test_a_dose_past_its_maximum_age_is_missed_not_missing_as_on_the_due_list():
    epi_up_to_date = package.component("epi_up_to_date")
    first = {(d.antigen, d.dose): d.first_birth for d in package.due_doses(AS_OF, epi_up_to_date)}
    # BCG is not given after 12 months: on 30 June 2025 it is required of children born from
    # 30 June 2024 (12 months on 30 June 2025 itself: still given that day)
    assert first[("bcg", 1)] == date(2024, 6, 30)
    assert epi.next_doses(date(2024, 6, 30), [], AS_OF, "12")[0].antigen == "bcg"
    assert "bcg" not in {d.antigen for d in epi.next_doses(date(2024, 6, 29), [], AS_OF, "12")}
    assert first[("dtp_hepb_hib", 1)] == date(2020, 6, 30) and first[("mr", 1)] is None


def test_age_is_completed_years_and_months():
    assert package.age(date(2021, 7, 1), AS_OF) == (3, 47)


def test_the_protected_component_is_listed_only_to_a_protection_officer():
    everything = [c.name for c in shown_components(None, protection=True)]
    assert everything == list(package.names())
    assert [c.name for c in shown_components(None, protection=False)] == [
        n for n in package.names() if n != "supported"]
    assert [c.name for c in shown_components("enrolled", protection=False)] == ["enrolled"]
    with pytest.raises(Forbidden):
        shown_components("supported", protection=False)
