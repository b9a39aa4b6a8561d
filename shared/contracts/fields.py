"""Marshmallow fields every RPC and event schema shares: identifiers, human text, counts, codes.

A hostile or careless caller can send anything JSON allows. These fields turn each of those values
into a ``ValidationError`` naming the field, before anything reaches a database: identifiers are
printable ASCII without spaces; human text (names, reasons) is Unicode letters, marks, digits,
punctuation and plain spaces, normalised to NFC so that the same Vietnamese name typed with
precomposed or combining accents is one name; never a control character, a lone surrogate, a
private-use, unassigned or invisible format character (the kind that broke storage downstream).
Counts are true integers (not booleans, floats or numeric strings) within stated bounds.
"""

import re
import unicodedata
from datetime import date
from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.exceptions import ValidationFailed, flatten_marshmallow_errors

REJECTED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
IDENTIFIER = re.compile(r"[\x21-\x7e]+\Z")
MAX_SQL_BIGINT = 2**63 - 1


def bad_characters(value: str) -> list[str]:
    """The code points of ``value`` that no name or reason may hold, as ``U+XXXX`` strings."""
    found = {f"U+{ord(char):04X}" for char in value
             if unicodedata.category(char) in REJECTED_CATEGORIES
             or (char.isspace() and char != " ")}
    return sorted(found)


class Text(fields.String):
    """Human text: NFC-normalised, no control, surrogate, format or unassigned characters."""

    def __init__(self, *, max_length: int, min_length: int = 1, **kwargs: Any) -> None:
        super().__init__(validate=validate.Length(min=min_length, max=max_length), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        bad = bad_characters(text)
        if bad:
            raise ValidationError(f"Must not contain control or invisible characters ({', '.join(bad)}).")
        return unicodedata.normalize("NFC", text)


class Identifier(fields.String):
    """An id chosen by a caller: 1 to ``max_length`` printable ASCII characters, no spaces."""

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(validate=[
            validate.Length(min=1, max=max_length),
            validate.Regexp(IDENTIFIER, error="Must be printable ASCII without spaces.")], **kwargs)


class Count(fields.Integer):
    """A JSON integer within [minimum, maximum]; booleans, floats and numeric strings are refused."""

    def __init__(self, *, minimum: int = 0, maximum: int = MAX_SQL_BIGINT, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=minimum, max=maximum), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def digits(count: int, **kwargs: Any) -> fields.String:
    """A code of exactly ``count`` ASCII digits (commune 5, province 2, personal id 12)."""
    return fields.String(validate=validate.Regexp(rf"[0-9]{{{count}}}\Z",
                                                  error=f"Must be {count} digits."), **kwargs)


EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def report_date(**kwargs: Any) -> fields.Date:
    """A date a report or list is asked for, within 1900-2999."""
    return fields.Date(validate=validate.Range(
        min=EARLIEST_DATE, max=LATEST_DATE,
        error=f"Must be between {EARLIEST_DATE} and {LATEST_DATE}."), **kwargs)


@cache
def strict(schema: type[Schema]) -> Schema:
    """One instance per schema class, refusing unknown fields. Schemas keep no state between loads,
    and making one (copying its fields) cost more than the load itself on every event and RPC."""
    return schema(unknown=RAISE)


def load(schema: type[Schema], data: Any) -> dict[str, Any]:
    """Load one object through ``schema``; anything else, or any bad field, is ``ValidationFailed``."""
    if not isinstance(data, dict):
        raise ValidationFailed({"_schema": ["Expected one object (a dict) of fields."]})
    try:
        return strict(schema).load(data)
    except ValidationError as error:
        raise ValidationFailed(flatten_marshmallow_errors(error.messages)) from error
