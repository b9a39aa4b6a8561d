"""``fast_load.load`` answers as marshmallow's ``schema.load`` does: the same objects for every event
the generated province and the factories make (from the plan, not from marshmallow), and the same
value or the same error for any one field of them broken."""

from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError
from marshmallow import fields as fields_module

from shared.contracts import CONTRACTS, fast_load, payload_schema
from shared.contracts.events import EnvelopeSchema
from shared.contracts.fields import strict
from tests.support.event_streams import province_stream
from tests.support.hostile import FUZZ, mutations

STREAM = province_stream(500)  # every event type the generator makes appears by 500 children
BY_TYPE: dict[tuple[str, str], list[dict]] = defaultdict(list)
for _envelope in STREAM:
    BY_TYPE[(_envelope["source"], _envelope["event_type"])].append(_envelope)


def marshmallow_answer(schema, data) -> tuple[str, str]:
    """What marshmallow answers, as text that tells 1 from 1.0 and a date from a datetime."""
    try:
        return "loaded", repr(schema.load(data))
    except Exception as error:  # noqa: BLE001 - the same error, whatever it is
        return type(error).__name__, repr(getattr(error, "messages", error))


def fast_answer(schema, data) -> tuple[str, str]:
    try:
        return "loaded", repr(fast_load.load(schema, data))
    except Exception as error:  # noqa: BLE001
        return type(error).__name__, repr(getattr(error, "messages", error))


def test_every_contract_has_a_plan_but_the_provisional_child_whose_schema_checks_two_fields_at_once():
    unplanned = {key for key, schema in CONTRACTS.items() if fast_load.plan(strict(schema)) is None}
    assert unplanned == {(source, "provisional_child_recorded")
                         for source in ("registry", "health", "education", "protection")}
    assert fast_load.plan(strict(EnvelopeSchema)) is not None


def test_the_stream_covers_every_event_type_the_generator_makes():
    assert {event_type for _, event_type in BY_TYPE} >= {
        "birth_registered", "insurance_card_issued", "residence_changed", "death_recorded",
        "vaccination_recorded", "growth_measured", "screening_recorded", "health_check_recorded",
        "enrolment_recorded", "enrolment_ended", "case_opened", "case_updated", "case_closed",
        "special_circumstance_recorded", "allowance_granted", "record_voided", "referral_sent",
        "referral_accepted", "identity_linked", "provisional_child_recorded"}


def test_the_plan_loads_each_envelope_and_payload_to_the_very_objects_marshmallow_makes():
    envelope_schema, envelope_plan = strict(EnvelopeSchema), fast_load.plan(strict(EnvelopeSchema))
    for envelope in STREAM:
        schema = payload_schema(envelope["source"], envelope["event_type"])
        planned = fast_load.plan(schema) or schema.load  # the provisional child: marshmallow's own
        assert repr(planned(envelope["payload"])) == repr(schema.load(envelope["payload"]))
        assert repr(envelope_plan(envelope)) == repr(envelope_schema.load(envelope))


@pytest.mark.parametrize("kind", sorted(BY_TYPE), ids="/".join)
@FUZZ
@given(data=st.data())
def test_a_payload_with_one_field_broken_gets_the_answer_marshmallow_gives(kind, data):
    schema = payload_schema(*kind)
    payload = data.draw(mutations(BY_TYPE[kind][0]["payload"]))
    assert fast_answer(schema, payload) == marshmallow_answer(schema, payload)


@FUZZ
@given(envelope=mutations(STREAM[0]))
def test_an_envelope_with_one_field_broken_gets_the_answer_marshmallow_gives(envelope):
    schema = strict(EnvelopeSchema)
    assert fast_answer(schema, envelope) == marshmallow_answer(schema, envelope)


class UpperCode(fields_module.String):
    """A string field that refuses lower case in its own ``_validate``."""

    def _validate(self, value):
        super()._validate(value)
        if value != value.upper():
            raise ValidationError("upper only")


class CodeSchema(Schema):
    code = UpperCode(required=True)


class OverriddenLoad(Schema):
    a = fields_module.String()

    def load(self, data, **kwargs):
        return {"overridden": True}


class Tree(Schema):
    name = fields_module.String(required=True)
    child = fields_module.Nested(lambda: Tree(), allow_none=True)


@pytest.mark.parametrize(("schema", "data"), [
    (CodeSchema(), {"code": "abc"}),
    (OverriddenLoad(), {"a": "x"}),
    (Tree(), {"name": "root", "child": {"name": "leaf", "child": None}}),
], ids=["a field's own _validate", "a schema's own load", "a schema nesting itself"])
def test_a_schema_or_field_that_steps_in_where_the_plan_would_is_left_to_marshmallow(schema, data):
    assert fast_answer(schema, data) == marshmallow_answer(schema, data)
