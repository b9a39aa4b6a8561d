"""Marshmallow's answer to ``schema.load(data)``, without its per-field machinery when the data is
plainly valid (issue 19: decoding was 63 % of a rebuild from the logs).

``load(schema, data)`` runs a plan made once per schema instance from its own declared fields: for
each, the same conversion marshmallow makes (``date.fromisoformat``, ``float``, NFC for ``Text``, …)
and the field's own validators, with no error store, no getter closure and no ``isinstance`` chain.
Whenever anything is not plainly valid (a missing or unknown key, a value of another JSON type than
the field's, a validator that objects, a text with a character ``Text`` refuses), it gives up and
returns what ``schema.load`` answers, errors included: so it answers as marshmallow does, only
sooner. A schema whose load this plan cannot mirror (hooks, partial, other options, a field class it
does not know) is always loaded by marshmallow. The field classes it knows are the ones our
contracts use (``tests/unit/test_fast_load.py`` checks every contract has a plan).
"""

import math
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing

from shared.contracts.fields import Count, Identifier, Text

Convert = Callable[[Any], Any]
HOOKS = ("pre_load", "post_load", "validates", "validates_schema")
SCHEMA_STEPS = ("load", "_do_load", "_deserialize", "_invoke_field_validators")  # a plan stands in for these
FIELD_STEPS = ("deserialize", "_validate", "_validate_missing")
_planning: set[type] = set()  # schema classes whose plan is being made (one nesting itself: no plan)


class Doubt(Exception):
    """The data is not plainly valid: marshmallow decides (and words any error)."""


def load(schema: Schema, data: Any) -> Any:
    """``schema.load(data)``'s answer: from the schema's plan when the data is plainly valid."""
    loader = plan(schema)
    if loader is not None:
        try:
            return loader(data)
        except Doubt:
            pass
    return schema.load(data)


@cache
def plan(schema: Schema) -> Callable[[dict], dict] | None:
    """The schema's load as one function, or None when marshmallow's load has more to it."""
    mirrored = (not any(schema._hooks[hook] for hook in HOOKS) and schema.unknown == RAISE
                and not schema.many and not schema.partial and schema.dict_class is dict
                and all(getattr(type(schema), step) is getattr(Schema, step) for step in SCHEMA_STEPS)
                and type(schema) not in _planning)
    if not mirrored:
        return None
    _planning.add(type(schema))
    try:
        steps = [(name if field.data_key is None else field.data_key, field.attribute or name,
                  field.required, field.load_default, whole_field(field))
                 for name, field in schema.load_fields.items()]
    except NotMirrored:
        return None
    finally:
        _planning.discard(type(schema))
    if any("." in attribute for _, attribute, *_ in steps):
        return None
    known = frozenset(key for key, *_ in steps)
    return lambda data: run(steps, known, data)


def run(steps: list, known: frozenset, data: Any) -> dict:
    if type(data) is not dict or not data.keys() <= known:
        raise Doubt
    loaded = {}
    for key, attribute, required, default, convert in steps:
        value = data.get(key, missing)
        if value is missing:
            if required:
                raise Doubt
            if default is not missing:
                loaded[attribute] = default() if callable(default) else default
        else:
            loaded[attribute] = convert(value)
    return loaded


class NotMirrored(Exception):
    """A field this plan cannot load as marshmallow would."""


def whole_field(field: fields.Field) -> Convert:
    """One field's deserialize: null, conversion, then its validators."""
    if field.pre_load or field.post_load or any(
            getattr(type(field), step) is not getattr(fields.Field, step) for step in FIELD_STEPS):
        raise NotMirrored
    convert, validators, allow_none = converter(field), tuple(field.validators), field.allow_none

    def load_value(value: Any) -> Any:
        if value is None:
            if allow_none:
                return None
            raise Doubt
        loaded = convert(value)
        try:
            for validator in validators:
                validator(loaded)
        except ValidationError as error:
            raise Doubt from error
        return loaded
    return load_value


def converter(field: fields.Field) -> Convert:
    """The conversion marshmallow's ``_deserialize`` makes for a plainly valid value of this class."""
    kind = type(field)
    if kind in (fields.String, Identifier):
        return plain(str)
    if kind in (fields.Integer, Count):
        return plain(int)
    if kind is Text:
        return text
    if kind is fields.Float:
        return number if field.allow_nan else finite
    if kind is fields.Boolean:
        return boolean(field)
    if kind in (fields.Date, fields.AwareDateTime) and field.format in ("iso", "iso8601"):
        return temporal(field)
    if kind is fields.Dict:
        return mapping(field)
    if kind is fields.List:
        return listing(whole_field(field.inner))
    if kind is fields.Nested and not field.many and field.unknown in (None, RAISE):
        return nested(field.schema)
    if issubclass(kind, fields.String):  # its deserialize and validation are Field's (whole_field)
        return refined(field)
    raise NotMirrored


def plain(python_type: type) -> Convert:
    def same(value: Any) -> Any:
        if type(value) is not python_type:
            raise Doubt
        return value
    return same


def refined(field: fields.String) -> Convert:
    """A string of a contract's own class (a school year): its ``_deserialize`` given the value
    alone; one that wanted the rest of the data, or refuses the value, is left to marshmallow."""
    def load_refined(value: Any) -> Any:
        if type(value) is not str:
            raise Doubt
        try:
            return field._deserialize(value, field.name, None)
        except Exception as error:  # noqa: BLE001 - whatever it is, marshmallow's load says it
            raise Doubt from error
    return load_refined


def text(value: Any) -> str:
    """``Text``: printable text holds none of the characters it refuses; NFC as it stores it."""
    if type(value) is not str or not value.isprintable():
        raise Doubt
    return unicodedata.normalize("NFC", value)


def number(value: Any) -> float:
    if type(value) is not float and type(value) is not int:
        raise Doubt
    try:
        return float(value)
    except OverflowError as error:  # an int past float's range: marshmallow words it
        raise Doubt from error


def finite(value: Any) -> float:
    converted = number(value)
    if not math.isfinite(converted):
        raise Doubt
    return converted


def boolean(field: fields.Boolean) -> Convert:
    def load_boolean(value: Any) -> bool:
        if value is True and True in field.truthy or value is False and False in field.falsy:
            return value
        raise Doubt
    return load_boolean


def temporal(field: fields.Field) -> Convert:
    aware = type(field) is fields.AwareDateTime
    parse = datetime.fromisoformat if aware else date.fromisoformat
    if aware and field.default_timezone is not None:
        raise NotMirrored

    def load_temporal(value: Any) -> Any:
        if type(value) is not str:
            raise Doubt
        try:
            parsed = parse(value)
        except ValueError as error:
            raise Doubt from error
        if aware and parsed.tzinfo is None:
            raise Doubt
        return parsed
    return load_temporal


def mapping(field: fields.Dict) -> Convert:
    keys = whole_field(field.key_field) if field.key_field else None
    values = whole_field(field.value_field) if field.value_field else None

    def load_mapping(value: Any) -> dict:
        if type(value) is not dict:
            raise Doubt
        if keys is None and values is None:
            return dict(value)
        return {(keys(k) if keys else k): (values(v) if values else v) for k, v in value.items()}
    return load_mapping


def listing(item: Convert) -> Convert:
    def load_list(value: Any) -> list:
        if type(value) is not list:
            raise Doubt
        return [item(each) for each in value]
    return load_list


def nested(schema: Schema) -> Convert:
    loader = plan(schema)
    if loader is None:
        raise NotMirrored
    return loader
