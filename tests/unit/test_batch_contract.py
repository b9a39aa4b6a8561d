"""The batch contract's names and refusals, as every sector and the loader read them."""

import pytest

from shared.contracts.batches import batch_rpc_name, is_refused, refusal
from shared.exceptions import Conflict, ValidationFailed


@pytest.mark.parametrize("single, batch", [
    ("register_birth", "register_births"), ("record_vaccination", "record_vaccinations"),
    ("refer_child", "refer_children"), ("change_residence", "change_residences"),
    ("record_growth", "record_growths"), ("record_provisional_child", "record_provisional_children"),
    ("void_record", "void_records"), ("record_special_circumstance", "record_special_circumstances"),
    ("issue_insurance_card", "issue_insurance_cards"), ("accept_referral", "accept_referrals"),
])
def test_a_write_rpcs_batch_twin_is_its_last_word_in_the_plural(single, batch):
    assert batch_rpc_name(single) == batch


def test_a_refused_record_carries_its_typed_error_and_the_fields_it_names():
    answer = refusal("B-1", ValidationFailed({"date_of_birth": ["Not a valid date."]}))
    assert answer == {"record_id": "B-1", "status": "refused", "error": {
        "type": "ValidationFailed", "message": "date_of_birth: Not a valid date.",
        "fields": {"date_of_birth": ["Not a valid date."]}}}
    assert is_refused(answer)


def test_a_refusal_without_fields_and_without_a_usable_record_id():
    assert refusal(42, Conflict("Record B-1 was already used for other data.")) == {
        "record_id": None, "status": "refused",
        "error": {"type": "Conflict", "message": "Record B-1 was already used for other data."}}
    assert not is_refused({"record_id": "B-1", "status": "accepted"})
