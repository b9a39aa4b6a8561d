"""Who is asking, and what they may read: the caller every protection read names.

A read of protection data takes the caller's identity and purpose as one dict: ``user_id``, ``role``,
``communes`` (the commune codes the user works in) and ``purpose``. Sector systems authenticate their
users and pass this on; the platform decides from it (``data/protection_rules.yaml``, ``access``): a
protection officer reads cases in full in their own communes; an auditor reads the audit log; every
other role gets counts, never cases.
"""

from typing import Any

from marshmallow import Schema, fields, validate

from shared.contracts.fields import Identifier, Text, digits, load
from shared.exceptions import ValidationFailed
from shared.rules import protection

ROLES = ("protection_officer", "provincial_staff", "auditor", "health_worker", "teacher", "statistician")


class CallerSchema(Schema):
    user_id = Identifier(max_length=64, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    communes = fields.List(digits(5), load_default=list, validate=validate.Length(max=500))
    purpose = Text(max_length=200, required=True)


def load_caller(caller: Any) -> dict[str, Any]:
    """The caller, validated (a ``ValidationFailed`` naming ``caller.<field>`` otherwise)."""
    try:
        return load(CallerSchema, caller)
    except ValidationFailed as error:
        raise ValidationFailed({f"caller.{field}": messages for field, messages in error.errors.items()}
                               ) from error


def may_read_case(caller: dict[str, Any], commune_code: str) -> bool:
    readers = protection.rules()["access"]["case_readers"]
    return caller["role"] in readers and commune_code in caller["communes"]


def is_auditor(caller: dict[str, Any]) -> bool:
    return caller["role"] in protection.rules()["access"]["auditors"]
