"""Disability figures go through protection's small-cell suppression: a commune's small count shows as
<5, and neither its district's nor its province's total gives it away by subtraction."""

from collections import defaultdict
from datetime import date

import pytest

from services.reporting.indicators import ratio
from services.reporting.province_cells import Cut, suppressed, tree
from services.reporting.sources.education import indicators as education_indicators
from services.reporting.sources.health import indicators as health_indicators
from services.reporting.sources.protection import indicators as protection_indicators
from shared.rules.admin_units import LEGACY, admin_units

PROVINCE, CITY = ("province", "12"), ("district", "105")  # Lai Châu, Lai Châu city, on the legacy map
SMALL, NEIGHBOUR, EMPTY = (("commune", code) for code in ("03388", "03387", "03386"))
INCLUSIVE = ("disabled_3_8_inclusive", "disabled_3_8")
SCREENED = ("positive_disability", "screened_disability")


def province_table(by_commune: dict, names=INCLUSIVE + SCREENED, groups=()):
    return suppressed(by_commune, list(names), "12", tree("12", LEGACY, admin_units()), list(groups), 5)


def inclusive_education(table, node) -> dict:
    return education_indicators.figures(defaultdict(int), ratio, Cut(table, node))["inclusive_education_3_8"]


def disability_screening(table, node) -> dict:
    figures = health_indicators.figures(defaultdict(int), date(2025, 3, 31), ratio, Cut(table, node))
    return figures["screening_positive_disability"]


def test_a_commune_with_2_disabled_children_1_in_inclusive_education_shows_both_counts_as_less_than_5():
    table = province_table({"03388": {"disabled_3_8": 2, "disabled_3_8_inclusive": 1}})
    assert inclusive_education(table, SMALL) == {"numerator": "<5", "denominator": "<5", "value": None}
    assert inclusive_education(table, PROVINCE) == {"numerator": "<5", "denominator": "<5", "value": None}


def test_the_province_and_district_totals_do_not_give_the_small_commune_away_by_subtraction():
    table = province_table({"03388": {"disabled_3_8": 2, "disabled_3_8_inclusive": 1},
                            "03387": {"disabled_3_8": 6, "disabled_3_8_inclusive": 5}})
    shown = {node[1]: inclusive_education(table, node) for node in (PROVINCE, CITY, SMALL, NEIGHBOUR, EMPTY)}
    assert shown == {
        "12": {"numerator": 6, "denominator": 8, "value": 0.75},
        "105": {"numerator": 6, "denominator": 8, "value": 0.75},
        "03388": {"numerator": "<5", "denominator": "<5", "value": None},
        "03387": {"numerator": "x", "denominator": "x", "value": None},  # 6 - x: 03388 stays unknown
        "03386": {"numerator": 0, "denominator": 0, "value": None},
    }


def test_counts_that_reach_the_threshold_are_shown_with_their_ratio():
    table = province_table({"03388": {"disabled_3_8": 6, "disabled_3_8_inclusive": 5,
                                      "screened_disability": 9, "positive_disability": 5}})
    assert (inclusive_education(table, SMALL), disability_screening(table, SMALL)) == (
        {"numerator": 5, "denominator": 6, "value": 0.8333},
        {"numerator": 5, "denominator": 9, "value": 0.5556})


@pytest.mark.parametrize(("positive", "screened", "expected"), [
    (1, 7, ("<5", 7, None)),  # a hidden numerator hides the ratio
    (0, 3, (0, "<5", None)),  # a hidden denominator hides it too; a zero stays shown
    (3, 3, ("<5", "<5", None)),
])
def test_a_disability_screening_ratio_with_a_hidden_count_is_hidden(positive, screened, expected):
    table = province_table({"03388": {"positive_disability": positive, "screened_disability": screened},
                            "03387": {"positive_disability": 9, "screened_disability": 20}})
    figure = disability_screening(table, SMALL)
    assert (figure["numerator"], figure["denominator"], figure["value"]) == expected


def test_disability_cells_in_the_province_table_change_no_protection_figure():
    cases = {"03388": {"cases_opened": 3, "cases_support": 3},
             "03387": {"cases_opened": 6, "cases_support": 6}}
    names = ["cases_opened", *(f"cases_{level}" for level in ("prevention", "support", "intervention"))]
    groups = [("cases_opened", names[1:])]
    alone = province_table(cases, names, groups)
    together = province_table({"03388": {**cases["03388"], "disabled_3_8": 2, "disabled_3_8_inclusive": 1},
                               "03387": {**cases["03387"], "disabled_3_8": 6}}, [*names, *INCLUSIVE], groups)
    for node in (PROVINCE, CITY, SMALL, NEIGHBOUR, EMPTY):
        protection = protection_indicators.figures(Cut(together, node))
        assert protection == protection_indicators.figures(Cut(alone, node))
    assert protection_indicators.figures(Cut(together, SMALL))["protection_cases_opened"]["numerator"] == "<5"
