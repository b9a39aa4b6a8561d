import itertools
from datetime import date

from shared.child_facts import Fact, fold_child

BIRTH = Fact("b1", "birth_registered", {
    "record_id": "b1", "full_name": "A", "sex": "male", "date_of_birth": date(2024, 1, 1),
    "registration_date": date(2024, 1, 20), "commune_code": "03388", "map_version": "legacy",
    "on_time": True, "days_to_registration": 19})
MOVE_EARLY = Fact("m1", "residence_changed", {"record_id": "m1", "commune_code": "03391",
                                              "map_version": "legacy", "moved_on": date(2024, 5, 1)})
MOVE_LATE = Fact("m2", "residence_changed", {"record_id": "m2", "commune_code": "03394",
                                             "map_version": "legacy", "moved_on": date(2024, 9, 1)})
CARD = Fact("c1", "insurance_card_issued", {"record_id": "c1", "card_number": "TE1",
                                            "issued_on": date(2024, 2, 1), "valid_to": date(2029, 12, 31)})


def void(target: Fact) -> Fact:
    return Fact(f"void-{target.record_id}", "record_voided", {
        "record_id": f"void-{target.record_id}", "voided_record_id": target.record_id,
        "voided_event_type": target.event_type, "reason": "entered twice"})


def test_the_latest_move_wins_in_every_arrival_order():
    states = [fold_child(order) for order in itertools.permutations([BIRTH, MOVE_EARLY, MOVE_LATE, CARD])]
    assert {(s.commune_code, s.residence_since, s.card["card_number"]) for s in states} == {
        ("03394", date(2024, 9, 1), "TE1")}


def test_a_voided_move_falls_back_to_the_one_before_even_if_the_void_came_first():
    state = fold_child([void(MOVE_LATE), MOVE_LATE, BIRTH, MOVE_EARLY])
    assert (state.commune_code, state.residence_since) == ("03391", date(2024, 5, 1))


def test_a_voided_birth_leaves_the_child_unregistered():
    state = fold_child([BIRTH, CARD, void(BIRTH)])
    assert (state.registered, state.commune_code, state.card["card_number"]) == (False, None, "TE1")


def test_a_card_before_the_birth_arrives_is_kept():
    assert fold_child([CARD]).card["card_number"] == "TE1"
    assert fold_child([CARD]).registered is False
