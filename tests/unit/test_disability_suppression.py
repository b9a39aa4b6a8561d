"""Disability figures go through protection's small-cell suppression: a commune's small count shows as
<5, and neither its district's nor its province's total gives it away by subtraction."""

from collections import defaultdict
from datetime import date

import pytest

from services.reporting.catalogue import catalogue
from services.reporting.indicators import figure
from services.reporting.province_cells import Cut, suppressed, tree
from shared.rules.admin_units import LEGACY, admin_units
from tests.support.figures import PARTS, parts

PROVINCE, CITY = ("province", "12"), ("district", "105")  # Lai Châu, Lai Châu city, on the legacy map
SMALL, NEIGHBOUR, EMPTY = (("commune", code) for code in ("03388", "03387", "03386"))
INCLUSIVE = ("disabled_3_8_inclusive", "disabled_3_8")
SCREENED = ("positive_disability", "screened_disability")


def province_table(by_commune: dict, names=INCLUSIVE + SCREENED, groups=()):
    return suppressed(by_commune, list(names), "12", tree("12", LEGACY, admin_units()), list(groups), 5)


def shown(figure_id, table, node) -> dict:
    """The figure as the catalogue makes it from the suppressed table, read as the page shows it."""
    indicator = catalogue().by_id(date(2025, 3, 31))[figure_id]
    return parts(figure(indicator, defaultdict(int), Cut(table, node), {}), *PARTS)


def inclusive_education(table, node) -> tuple:
    return shown("inclusive_education_3_8", table, node)


def disability_screening(table, node) -> tuple:
    return shown("screening_positive_disability", table, node)


def protection_figures(table, node) -> dict:
    listed = [i for i in catalogue().indicators(date(2025, 3, 31)) if i.source == "protection"]
    return {i.id: figure(i, defaultdict(int), Cut(table, node), {}) for i in listed}


def test_a_commune_with_2_disabled_children_1_in_inclusive_education_shows_both_counts_as_less_than_5():
    table = province_table({"03388": {"disabled_3_8": 2, "disabled_3_8_inclusive": 1}})
    assert inclusive_education(table, SMALL) == ("<5", "<5", None)
    assert inclusive_education(table, PROVINCE) == ("<5", "<5", None)


def test_the_province_and_district_totals_do_not_give_the_small_commune_away_by_subtraction():
    table = province_table({"03388": {"disabled_3_8": 2, "disabled_3_8_inclusive": 1},
                            "03387": {"disabled_3_8": 6, "disabled_3_8_inclusive": 5}})
    shown = {node[1]: inclusive_education(table, node) for node in (PROVINCE, CITY, SMALL, NEIGHBOUR, EMPTY)}
    assert shown == {
        "12": (6, 8, 0.75),
        "105": (6, 8, 0.75),
        "03388": ("<5", "<5", None),
        "03387": ("x", "x", None),  # 6 - x: 03388 stays unknown
        "03386": (0, 0, None),
    }


def test_counts_that_reach_the_threshold_are_shown_with_their_ratio():
    table = province_table({"03388": {"disabled_3_8": 6, "disabled_3_8_inclusive": 5,
                                      "screened_disability": 9, "positive_disability": 5}})
    assert (inclusive_education(table, SMALL), disability_screening(table, SMALL)) == (
        (5, 6, 0.8333), (5, 9, 0.5556))


@pytest.mark.parametrize(("positive", "screened", "expected"), [
    (1, 7, ("<5", 7, None)),  # a hidden numerator hides the ratio
    (0, 3, (0, "<5", None)),  # a hidden denominator hides it too; a zero stays shown
    (3, 3, ("<5", "<5", None)),
])
def test_a_disability_screening_ratio_with_a_hidden_count_is_hidden(positive, screened, expected):
    table = province_table({"03388": {"positive_disability": positive, "screened_disability": screened},
                            "03387": {"positive_disability": 9, "screened_disability": 20}})
    assert disability_screening(table, SMALL) == expected


def test_disability_cells_in_the_province_table_change_no_protection_figure():
    cases = {"03388": {"cases_opened": 3, "cases_support": 3},
             "03387": {"cases_opened": 6, "cases_support": 6}}
    names = ["cases_opened", *(f"cases_{level}" for level in ("prevention", "support", "intervention"))]
    groups = [("cases_opened", names[1:])]
    alone = province_table(cases, names, groups)
    together = province_table({"03388": {**cases["03388"], "disabled_3_8": 2, "disabled_3_8_inclusive": 1},
                               "03387": {**cases["03387"], "disabled_3_8": 6}}, [*names, *INCLUSIVE], groups)
    for node in (PROVINCE, CITY, SMALL, NEIGHBOUR, EMPTY):
        assert protection_figures(together, node) == protection_figures(alone, node)
    assert shown("protection_cases_opened", together, SMALL)[0] == "<5"
