"""Matching newborns' records: the comparison level of each field, the Fellegi-Sunter weight the data
file gives it, the decision at the thresholds, and the one-to-one rule for twins under one label."""

import math
from datetime import date

import pytest

from shared.rules import matching
from shared.rules.matching import Model, Person

BORN = date(2026, 3, 10)
WEIGHTS = {"name": {"exact": 10.0, "missing": 0.0}, "mother": {"exact": 9.0, "missing": 0.0},
           "dob": {"exact": 4.0}, "sex": {"same": 1.0, "different": -6.0}}
MODEL = Model(WEIGHTS, upper=8.0, lower=4.0, window_days=14)


def person(id="012000000001", full_name="Lò Văn Páo", sex="male", born=BORN, **kwargs) -> Person:
    return Person(id=id, full_name=full_name, sex=sex, date_of_birth=born, **kwargs)


# Golden pairs: hand-written, with the levels every field must get.
@pytest.mark.parametrize("a, b, levels", [
    (person(mother_name="Lò Thị Mai"), person(mother_name="Lò Thị Mai"),
     {"name": "exact", "mother": "exact", "dob": "exact", "sex": "same"}),
    (person(full_name="Nguyễn Đức Anh"), person(full_name="NGUYEN DUC ANH"),
     {"name": "folded_exact", "mother": "missing", "dob": "exact", "sex": "same"}),
    (person(full_name="Nguyễn Thị Lan", sex="female"), person(full_name="Lan Nguyen Thi", sex="female"),
     {"name": "swapped", "mother": "missing", "dob": "exact", "sex": "same"}),
    (person(full_name="Nguyễn Văn An"), person(full_name="Nguyễn An", born=date(2026, 3, 12)),
     {"name": "family_given", "mother": "missing", "dob": "within_3", "sex": "same"}),
    (person(full_name="Giàng A Páo"), person(full_name="Giàng A Pảo", born=date(2026, 3, 16)),
     {"name": "accents_differ", "mother": "missing", "dob": "within_7", "sex": "same"}),
    (person(full_name="Giàng A Páo"), person(full_name="Giang A Pao", born=date(2026, 3, 16),
                                             date_of_birth_estimated=True),
     {"name": "folded_exact", "mother": "missing", "dob": "estimated_within_7", "sex": "same"}),
    (person(full_name="Vàng Seo Chứ"), person(full_name="Vàng Seo Chú", born=date(2026, 3, 20)),
     {"name": "accents_differ", "mother": "missing", "dob": "within_window", "sex": "same"}),
    (person(full_name="Thào Văn Sính"), person(full_name="Thào Văn Sinhh", sex="female"),
     {"name": "typo", "mother": "missing", "dob": "exact", "sex": "different"}),
    (person(full_name="con của Lò Thị Mai"), person(full_name="Cầm Văn Nam", mother_name="Lo Thi Mai"),
     {"name": "missing", "mother": "folded_exact", "dob": "exact", "sex": "same"}),
    (person(full_name="CCM Mai Lò Thị"), person(full_name="con bà Lò Thị Mai"),
     {"name": "missing", "mother": "swapped", "dob": "exact", "sex": "same"}),
    (person(full_name="con chị Lò Thị Mai", mother_id="012345678901"),
     person(mother_name="Tòng Thị Én", mother_id="012345678901"),
     {"name": "missing", "mother": "id_same", "dob": "exact", "sex": "same"}),
    (person(mother_name="Lò Thị Mai", mother_id="012345678901"),
     person(mother_name="Lò Thị Mai", mother_id="012345678902"),
     {"name": "exact", "mother": "id_different", "dob": "exact", "sex": "same"}),
    (person(full_name="Lò Văn Páo", mother_name="Lò Thị Mai"), person(full_name="Hoàng Minh Tuấn",
                                                                   mother_name="Phạm Thị Thanh Hương"),
     {"name": "different", "mother": "different", "dob": "exact", "sex": "same"}),
])
def test_each_field_of_a_pair_gets_its_comparison_level(a, b, levels):
    assert matching.compare(a, b) == levels
    assert matching.compare(b, a) == levels


def test_the_weight_is_the_sum_of_log2_m_over_u_from_the_data_file():
    data = matching.rules()
    levels = {"name": "folded_exact", "mother": "exact", "dob": "estimated_within_7", "sex": "same"}
    floor = data["probability_floor"]
    expected = sum(math.log2(max(data["m"][f][lv], floor) / max(data["u"][f][lv], floor))
                   for f, lv in levels.items())
    assert matching.weight(levels) == pytest.approx(expected, abs=1e-9)


def test_exact_accents_weigh_more_than_a_folded_only_match_and_agreement_more_than_missing():
    weights = matching.default_model().weights
    assert weights["name"]["exact"] > weights["name"]["folded_exact"] > weights["name"]["missing"]
    assert weights["name"]["folded_exact"] > weights["name"]["accents_differ"] > weights["name"]["missing"]
    assert weights["name"]["missing"] > weights["name"]["different"]
    assert weights["sex"]["same"] > 0 > weights["sex"]["different"]
    assert weights["dob"]["exact"] > weights["dob"]["estimated_within_7"] > weights["dob"]["within_3"]


@pytest.mark.parametrize("score, decision", [(8.0, "link"), (7.99, "review"), (4.0, "review"),
                                             (3.99, "apart"), (-20.0, "apart")])
def test_decide_links_at_the_upper_threshold_and_reviews_from_the_lower(score, decision):
    assert matching.decide(score, MODEL) == decision


def test_the_thresholds_and_the_blocking_window_are_data():
    assert matching.blocking_window_days() == matching.rules()["blocking_window_days"] == 14
    model = matching.default_model()
    assert (model.upper, model.lower) == (matching.rules()["thresholds"]["upper"],
                                          matching.rules()["thresholds"]["lower"])


def test_candidates_are_the_same_commune_within_the_window():
    child = person(commune_code="03388")
    assert matching.in_block(child, person(born=date(2026, 3, 24), commune_code="03388")) is True
    assert matching.in_block(child, person(born=date(2026, 3, 25), commune_code="03388")) is False
    assert matching.in_block(child, person(commune_code="03390")) is False
    assert matching.in_block(child, person(commune_code=None)) is True


def test_match_scores_and_decides_each_candidate_best_first():
    label = person(id="TAM-H-000000000001", full_name="con của Lò Thị Mai")
    brother = person(id="012000000002", full_name="Lò Văn Páo", mother_name="Lò Thị Mai")
    sister = person(id="012000000003", full_name="Lò Thị Hoa", sex="female", mother_name="Lò Thị Mai")
    found = matching.match(label, [sister, brother], MODEL)
    assert [(s.id, s.score, s.decision) for s in found] == [("012000000002", 14.0, "link"),
                                                          ("012000000003", 7.0, "review")]


def test_twins_under_one_label_are_both_sent_to_review_never_linked():
    label = person(id="TAM-H-000000000001", full_name="con của Lò Thị Mai")
    twins = [person(id=f"01200000000{i}", full_name=name, mother_name="Lò Thị Mai")
             for i, name in ((2, "Lò Văn Páo"), (3, "Lò Văn Sính"))]
    found = matching.match(label, twins, MODEL)
    assert [(s.id, s.score, s.decision) for s in found] == [("012000000002", 14.0, "review"),
                                                          ("012000000003", 14.0, "review")]


def test_a_boy_and_a_girl_of_one_mother_and_day_are_never_linked_by_rule_however_high_the_weight():
    """Twins of both sexes, only the girl registered yet: "con của Lò Thị Mai", a boy, would otherwise
    link to her on the mother's name and the date alone."""
    label = person(id="TAM-H-000000000001", full_name="con của Lò Thị Mai", sex="male")
    sister = person(id="012000000003", full_name="Lò Thị Hoa", sex="female", mother_name="Lò Thị Mai")
    [found] = matching.match(label, [sister])
    assert (found.levels["sex"], found.score >= matching.default_model().upper, found.decision) == (
        "different", True, "review")


def test_two_different_mothers_ids_are_never_linked_by_rule():
    one = person(id="TAM-H-000000000001", full_name="Lò Thị Hoa", mother_id="012180000001")
    other = person(id="012000000003", full_name="Lò Thị Hoa", mother_id="012180000002")
    [found] = matching.match(one, [other])
    assert (found.levels["mother"], found.decision) == ("id_different", "review")


def test_a_birth_gathers_every_provisional_record_of_it_at_link_not_one_to_one():
    birth = person(id="012000000002", mother_name="Lò Thị Mai")
    records = [person(id=f"TAM-H-00000000000{i}", full_name=name, mother_name="Lò Thị Mai")
               for i, name in ((1, "con của Lò Thị Mai"), (3, "Lò Văn Páo"))]
    found = matching.match(birth, records, MODEL, one_to_one=False)
    assert [(s.id, s.score, s.decision) for s in found] == [("TAM-H-000000000003", 24.0, "link"),
                                                          ("TAM-H-000000000001", 14.0, "link")]


def test_two_differently_named_children_of_one_mother_and_day_are_never_linked_by_rule():
    """Twins both named: "Quàng Thu Tươi" and "Quàng Thu Hiền", mother Vì Thị Hà, born the same day."""
    one = person(id="TAM-H-000000000001", full_name="Quàng Thu Tươi", sex="female", mother_name="Vì Thị Hà")
    other = person(id="012000000003", full_name="Quàng Thu Hiền", sex="female", mother_name="Vì Thị Hà")
    [found] = matching.match(one, [other])
    assert (found.levels["name"], found.score >= matching.default_model().upper, found.decision) == (
        "different", True, "review")


def test_two_provisional_labels_of_one_mother_and_day_are_never_linked_by_rule_to_each_other():
    """They may be twins; each is linked to its birth when it is registered instead."""
    one = person(id="TAM-H-000000000001", full_name="con của Chu Thị Yên", sex="female")
    other = person(id="TAM-E-000000000002", full_name="CCM Chu Thị Yên", sex="female")
    [between] = matching.match(one, [other], provisional_pair=True)
    [to_a_birth] = matching.match(one, [other])
    assert (between.levels["name"], between.decision, to_a_birth.decision) == ("missing", "review", "link")


def test_a_provisional_pair_of_named_children_still_links_by_rule():
    one = person(id="TAM-H-000000000001", full_name="Lò Văn Páo", mother_name="Lò Thị Mai")
    other = person(id="TAM-E-000000000002", full_name="Lo Van Pao", mother_name="Lò Thị Mai")
    [found] = matching.match(one, [other], provisional_pair=True)
    assert (found.levels["name"], found.decision) == ("folded_exact", "link")


def test_two_names_typed_with_different_accents_are_reviewed_not_linked_as_one_typed_without_them():
    """The reviewer's pair: "Nguyễn Văn An", mother Trần Thị Hoa, and "Nguyễn Văn Ân", mother Lê Thị
    Bình, two children; "Nguyen Van An" is the first typed without accents."""
    an = person(id="012000000002", full_name="Nguyễn Văn An", mother_name="Trần Thị Hoa")
    an_hat = person(id="TAM-H-000000000001", full_name="Nguyễn Văn Ân", mother_name="Lê Thị Bình")
    an_plain = person(id="TAM-H-000000000003", full_name="Nguyen Van An", mother_name="Trần Thị Hoa")
    found = {s.id: (s.levels["name"], s.decision) for s in matching.match(an, [an_hat, an_plain])}
    assert found == {"TAM-H-000000000001": ("accents_differ", "review"),
                     "TAM-H-000000000003": ("folded_exact", "link")}


def test_a_label_by_the_father_is_no_childs_name_and_its_name_is_not_compared_with_the_mother():
    label = person(id="TAM-H-000000000001", full_name="con ông Lò Văn Páo", mother_name="Lò Thị Mai")
    birth = person(id="012000000002", full_name="Lò Văn Sính", mother_name="Lò Thị Mai")
    father_as_mother = person(id="012000000003", full_name="Lò Văn Sính", mother_name="Lò Văn Páo")
    assert matching.compare(label, birth) == {"name": "missing", "mother": "exact", "dob": "exact",
                                              "sex": "same"}
    assert matching.compare(label, father_as_mother)["mother"] == "different"
