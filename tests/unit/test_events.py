import json
from datetime import date

import pytest

from shared.contracts.events import load_envelope, make_envelope
from shared.exceptions import ValidationFailed
from tests.support.factories import make_birth_envelope

PAYLOAD = {"record_id": "c1", "card_number": "TE1", "issued_on": date(2024, 2, 1),
           "valid_to": date(2029, 12, 31)}


def json_round_trip(envelope: dict) -> dict:
    return json.loads(json.dumps(envelope))


def test_an_envelope_is_json_safe_and_loads_back_to_dates():
    envelope = make_envelope("insurance_card_issued", "registry", "012224000001", "03388",
                             date(2024, 2, 1), PAYLOAD)
    assert envelope["payload"] == {"record_id": "c1", "card_number": "TE1",
                                   "issued_on": "2024-02-01", "valid_to": "2029-12-31"}
    assert (envelope["occurred_on"], envelope["schema_version"], len(envelope["event_id"])) == (
        "2024-02-01", 1, 32)
    assert load_envelope(envelope)["payload"]["valid_to"] == date(2029, 12, 31)


def test_a_payload_missing_a_field_names_it():
    with pytest.raises(ValidationFailed) as error:
        make_envelope("insurance_card_issued", "registry", "x", None, date(2024, 1, 1),
                      {"record_id": "c1"})
    assert error.value.errors == {"payload.card_number": ["Missing data for required field."],
                                  "payload.issued_on": ["Missing data for required field."],
                                  "payload.valid_to": ["Missing data for required field."]}


def test_an_unknown_event_type_is_refused():
    with pytest.raises(ValidationFailed) as error:
        make_envelope("child_teleported", "registry", "x", None, date(2024, 1, 1), {})
    assert error.value.errors == {"event_type": [
        "Unknown event type 'child_teleported' for source 'registry'."]}


def test_a_birth_published_before_carer_and_village_existed_still_loads_and_a_new_one_carries_them():
    old, new = json_round_trip(make_birth_envelope()), json_round_trip(make_birth_envelope())
    for key in ("carer_name", "village"):
        del old["payload"][key]
    new["payload"].update(carer_name="Lò Thị Piêng", village="Bản Na Pheo")
    assert [(load_envelope(e)["payload"]["carer_name"], load_envelope(e)["payload"]["village"])
            for e in (old, new)] == [(None, None), ("Lò Thị Piêng", "Bản Na Pheo")]


def test_a_village_longer_than_100_characters_is_refused_naming_it():
    envelope = json_round_trip(make_birth_envelope())
    envelope["payload"]["village"] = "x" * 101
    with pytest.raises(ValidationFailed) as error:
        load_envelope(envelope)
    assert list(error.value.errors) == ["payload.village"]
