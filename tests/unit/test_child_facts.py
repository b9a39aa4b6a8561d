"""The registry fold (shared.contracts.registry): any arrival order, voids, residence periods."""

import itertools
from datetime import date

from shared.contracts.facts import Fact, live_facts
from shared.contracts.registry import Residence, fold_child

BIRTH = Fact("registry", "b1", "birth_registered", {
    "record_id": "b1", "full_name": "A", "sex": "male", "date_of_birth": date(2024, 1, 1),
    "registration_date": date(2024, 1, 20), "commune_code": "03388", "map_version": "legacy",
    "on_time": True, "days_to_registration": 19})
MOVE_EARLY = Fact("registry", "m1", "residence_changed", {
    "record_id": "m1", "commune_code": "03391", "map_version": "legacy", "moved_on": date(2024, 5, 1)})
MOVE_LATE = Fact("registry", "m2", "residence_changed", {
    "record_id": "m2", "commune_code": "03394", "map_version": "legacy", "moved_on": date(2024, 9, 1)})
CARD = Fact("registry", "c1", "insurance_card_issued", {
    "record_id": "c1", "card_number": "TE1", "issued_on": date(2024, 2, 1),
    "valid_to": date(2029, 12, 31)})
NEWER_CARD = Fact("registry", "c2", "insurance_card_issued", {
    "record_id": "c2", "card_number": "TE2", "issued_on": date(2025, 2, 1),
    "valid_to": date(2030, 12, 31)})


def void(target: Fact, source: str = "registry") -> Fact:
    return Fact(source, f"void-{target.record_id}", "record_voided", {
        "record_id": f"void-{target.record_id}", "voided_record_id": target.record_id,
        "voided_event_type": target.event_type, "reason": "entered twice"})


def test_the_residence_timeline_is_the_same_in_every_arrival_order():
    states = [fold_child(order) for order in
              itertools.permutations([BIRTH, MOVE_EARLY, MOVE_LATE, CARD, NEWER_CARD])]
    timelines = {tuple(state.residences) for state in states}
    assert timelines == {(
        Residence("03388", "legacy", date(2024, 1, 1), date(2024, 5, 1)),
        Residence("03391", "legacy", date(2024, 5, 1), date(2024, 9, 1)),
        Residence("03394", "legacy", date(2024, 9, 1), None))}
    assert {state.card["card_number"] for state in states} == {"TE2"}
    assert {len(state.cards) for state in states} == {2}


def test_a_voided_move_falls_back_to_the_one_before_even_if_the_void_came_first():
    state = fold_child([void(MOVE_LATE), MOVE_LATE, BIRTH, MOVE_EARLY])
    assert state.residence == Residence("03391", "legacy", date(2024, 5, 1), None)


def test_a_voided_birth_leaves_the_child_unregistered_with_only_its_moves():
    state = fold_child([BIRTH, CARD, MOVE_EARLY, void(BIRTH)])
    assert (state.registered, state.card["card_number"]) == (False, "TE1")
    assert state.residences == [Residence("03391", "legacy", date(2024, 5, 1), None)]


def test_a_card_before_the_birth_arrives_is_kept():
    assert fold_child([CARD]).card["card_number"] == "TE1"
    assert fold_child([CARD]).registered is False


def test_a_void_from_another_source_does_not_void_a_registry_record_with_the_same_id():
    assert live_facts([CARD, void(CARD, source="health")]) == [CARD]
