"""Small-cell suppression: no 1-4 is shown, and no hidden cell is the difference of shown ones."""

from services.reporting.suppression import Table, suppress

PROVINCE, DISTRICT, OTHER_DISTRICT = ("province", "12"), ("district", "105"), ("district", "106")
A, B, C, D = (("commune", code) for code in ("03388", "03391", "03394", "03400"))
CHILDREN = {PROVINCE: [DISTRICT, OTHER_DISTRICT], DISTRICT: [A, B, C], OTHER_DISTRICT: [D]}


def table(cases: dict, extra: dict | None = None, groups=()) -> Table:
    counts = {(node, "cases"): value for node, value in cases.items()}
    counts.update(extra or {})
    return suppress(Table(counts, CHILDREN, list(groups)), 5)


def shown(t: Table, name: str = "cases") -> dict:
    return {node[1]: t.shown((node, name)) for node in (PROVINCE, DISTRICT, OTHER_DISTRICT, A, B, C, D)}


def test_a_commune_with_3_cases_shows_less_than_5_and_the_smallest_other_commune_x_so_3_is_not_derived():
    t = table({PROVINCE: 40, DISTRICT: 30, OTHER_DISTRICT: 10, A: 3, B: 7, C: 20, D: 10})
    assert shown(t) == {"12": 40, "105": 30, "106": 10, "03388": "<5", "03391": "x", "03394": 20,
                        "03400": 10}


def test_a_hidden_district_takes_another_district_with_it_and_zeros_stay_shown():
    t = table({PROVINCE: 13, DISTRICT: 4, OTHER_DISTRICT: 9, A: 4, B: 0, C: 0, D: 9})
    assert shown(t) == {"12": 13, "105": "<5", "106": "x", "03388": "<5", "03391": 0, "03394": 0,
                        "03400": "x"}


def test_two_small_communes_hide_each_other_and_nothing_more():
    t = table({PROVINCE: 27, DISTRICT: 17, OTHER_DISTRICT: 10, A: 2, B: 3, C: 12, D: 10})
    assert shown(t) == {"12": 27, "105": 17, "106": 10, "03388": "<5", "03391": "<5", "03394": 12,
                        "03400": 10}


def test_a_hidden_part_of_a_total_across_categories_hides_a_second_part():
    levels = {(A, "cases_support"): 3, (A, "cases_intervention"): 9, (A, "cases_prevention"): 0}
    t = table({PROVINCE: 12, DISTRICT: 12, OTHER_DISTRICT: 0, A: 12, B: 0, C: 0, D: 0}, levels,
              groups=[("cases", ["cases_prevention", "cases_support", "cases_intervention"])])
    assert [t.shown((A, name)) for name in ("cases_prevention", "cases_support", "cases_intervention")] == [
        0, "<5", "x"]
