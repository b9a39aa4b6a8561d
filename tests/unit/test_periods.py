"""Period specs: each form gives its first and last day; anything else is refused naming the forms;
the indicator query takes a spec or the {start, end} object, and cuts a spec's end to as_of."""

from datetime import date

import pytest

from services.reporting import periods
from services.reporting.schemas import IndicatorsQuerySchema
from shared.contracts.fields import load
from shared.exceptions import ValidationFailed


@pytest.mark.parametrize("spec, bounds", [
    ("2026-06", (date(2026, 6, 1), date(2026, 6, 30))),
    ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ("2026-12", (date(2026, 12, 1), date(2026, 12, 31))),
    ("2026-Q1", (date(2026, 1, 1), date(2026, 3, 31))),
    ("2026-Q2", (date(2026, 4, 1), date(2026, 6, 30))),
    ("2026-Q4", (date(2026, 10, 1), date(2026, 12, 31))),
    ("2026-H1", (date(2026, 1, 1), date(2026, 6, 30))),
    ("2026-H2", (date(2026, 7, 1), date(2026, 12, 31))),
    ("2026", (date(2026, 1, 1), date(2026, 12, 31))),
    ("2025-2026", (date(2025, 8, 1), date(2026, 7, 31))),  # the school year's days: education_rules.yaml
    ("plan:2021-2025", (date(2021, 1, 1), date(2025, 12, 31))),
    (" 2026-Q3 ", (date(2026, 7, 1), date(2026, 9, 30))),
])
def test_each_period_form_gives_its_first_and_last_day(spec, bounds):
    assert periods.parse(spec) == bounds


@pytest.mark.parametrize("spec", ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-H3", "26", "2025-2027",
                                  "plan:2025-2021", "plan:2021", "Q2-2026", "2026/06", "", "quý 2"])
def test_anything_else_is_refused_naming_the_expected_forms(spec):
    with pytest.raises(periods.BadPeriod, match="Expected one of: YYYY-MM \\(month\\)"):
        periods.parse(spec)


def query(**overrides):
    return load(IndicatorsQuerySchema, {"area_code": "12", "as_of": "2026-06-30", **overrides})


def test_the_query_takes_a_spec_as_its_period():
    assert query(period="2026-Q2")["period"] == {"start": date(2026, 4, 1), "end": date(2026, 6, 30)}


def test_a_spec_ending_after_as_of_is_the_period_so_far():
    assert query(as_of="2026-05-15", period="2026-Q2")["period"] == {
        "start": date(2026, 4, 1), "end": date(2026, 5, 15)}


def test_the_start_and_end_object_still_works():
    assert query(period={"start": "2026-02-01"})["period"] == {"start": date(2026, 2, 1),
                                                               "end": date(2026, 6, 30)}


def test_a_bad_spec_is_a_validation_failure_naming_period():
    with pytest.raises(ValidationFailed) as refused:
        query(period="2026-Q7")
    assert list(refused.value.errors) == ["period"]
    assert "plan:YYYY-YYYY (plan period)" in refused.value.errors["period"][0]


def test_a_period_of_another_type_is_refused_naming_period():
    with pytest.raises(ValidationFailed) as refused:
        query(period=2026)
    assert list(refused.value.errors) == ["period"]


def test_an_unknown_breakdown_is_refused_naming_by_with_the_allowed_values():
    with pytest.raises(ValidationFailed) as refused:
        query(by=["sex", "religion"])
    assert refused.value.errors == {"by": [
        "Unknown breakdown religion: must be among commune, district, sex, age_band, "
        "ethnicity, poverty, disability."]}


def test_known_breakdowns_are_kept_in_order():
    assert query(by=["age_band", "sex"])["by"] == ["age_band", "sex"]
