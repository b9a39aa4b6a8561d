"""Protection's pure rules: the fold in any order, the allowance's standard level, the checks."""

from datetime import date

from services.protection import domain
from shared.contracts.facts import Fact
from shared.contracts.protection import fold_protection
from shared.rules import protection


def fact(record_id, event_type, **payload):
    return Fact("protection", record_id, event_type, {"record_id": record_id, **payload})


OPENED = fact("o1", "case_opened", case_id="C1", opened_on=date(2025, 1, 10), commune_code="03388",
              level="support", concerns=["neglect"], risk="medium")
UPDATED = fact("u1", "case_updated", case_id="C1", updated_on=date(2025, 1, 14), commune_code="03388",
               level="intervention", risk=None, plan_on=date(2025, 1, 14), services=["counselling"])
CLOSED = fact("c1", "case_closed", case_id="C1", closed_on=date(2025, 2, 1), commune_code="03388",
              outcome="resolved")


def test_a_case_reads_the_same_whatever_order_its_events_arrive_in():
    for order in ([OPENED, UPDATED, CLOSED], [CLOSED, UPDATED, OPENED], [UPDATED, OPENED, CLOSED]):
        [case] = fold_protection(order).cases
        assert (case.level, case.risk, case.plan_on, case.services, case.closed_on, case.outcome) == (
            "intervention", "medium", date(2025, 1, 14), ["counselling"], date(2025, 2, 1), "resolved")


def test_a_voided_close_reopens_the_case_and_a_voided_opening_removes_it():
    void_close = fact("void-c1", "record_voided", voided_record_id="c1", voided_event_type="case_closed",
                      reason="x")
    [case] = fold_protection([OPENED, CLOSED, void_close]).cases
    assert (case.closed_on, case.outcome) == (None, None)
    void_open = fact("void-o1", "record_voided", voided_record_id="o1", voided_event_type="case_opened",
                     reason="x")
    assert fold_protection([OPENED, UPDATED, void_open]).cases == []


def test_the_standard_level_is_the_one_in_force_on_the_day():
    assert [protection.standard_level(date.fromisoformat(d)) for d in
            ("2021-06-30", "2021-07-01", "2024-06-30", "2024-07-01")] == [None, 360000, 360000, 500000]


def test_a_province_may_pay_more_than_the_decree_never_less():
    assert domain.check_coefficient("no_support_under_4", 3.0) == {}
    assert domain.check_coefficient("no_support_under_4", 2.0) == {"coefficient": [
        "Decree 20/2021 sets 2.5 for no_support_under_4; a province may pay more, not less."]}


def test_an_update_must_change_something_and_its_plan_cannot_be_later_than_itself():
    empty = {"level": None, "risk": None, "plan_on": None, "services": [], "notes": None,
             "updated_on": date(2025, 1, 14)}
    assert list(domain.check_update(empty)) == ["_schema"]
    assert domain.check_update({**empty, "plan_on": date(2025, 1, 15)}) == {
        "plan_on": ["After the update's date 2025-01-14."]}


def test_an_allowance_category_fits_the_childs_completed_years_on_its_start_date():
    born = date(2020, 6, 15)
    assert domain.check_category_age("no_support_under_4", born, date(2024, 6, 14)) == {}  # 3 the day before
    assert domain.check_category_age("no_support_under_4", born, date(2024, 6, 15)) == {"category": [
        "no_support_under_4 is for children under 4; the child is 4 on 2024-06-15."]}
    assert domain.check_category_age("no_support_4_plus", born, date(2024, 6, 15)) == {}
    assert domain.check_category_age("disability_severe", born, date(2021, 1, 1)) == {}
