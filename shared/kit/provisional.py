"""Children before their personal ID, for a sector service in one call: ``take_provisional_children(S)``.

It gives the service ``record_provisional_child`` (a sector-kit write: idempotent per ``record_id``,
typed errors naming the field, record and event in one transaction through the outbox): the service
mints the child's provisional id (``identity.mint_provisional_id(<sector>, record_id)``), publishes
``provisional_child_recorded`` with that id as the envelope's ``child_id`` and answers it as
``provisional_id``; and ``provisional_events_since`` (``read:event_log``): the part of its log the
registry follows to match them (those events and the voids of them, never the rest). The store keeps
the child in the same write (``keep_provisional_child``): a sector with a registry copy as one of its
known children, keyed by the provisional id, so its own commands judge later records made under
that id (a birth dose against the date of birth it was told); the registry in its own table.
"""

from typing import Any

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import and_, or_

from shared.contracts.common import caller_record_id_field, commune_code_field
from shared.contracts.facts import VOIDED
from shared.contracts.fields import Identifier, Text, digits, load
from shared.contracts.identity import RECORDED, SEXES, mint_provisional_id
from shared.kit.access import guarded
from shared.kit.checks import check_commune, raise_if
from shared.kit.records import Accepted, Context, SectorStore
from shared.kit.sector import EXPECTED, EventsSinceSchema, write_rpc
from shared.plumbing.outbox import events_since

PROVISIONAL_LOG = "provisional_events_since"
SENSITIVE = ("record.full_name", "record.mother_name", "record.mother_id", "record.carer_name")


class RecordProvisionalChildSchema(Schema):
    """What a sector knows of a child it meets before its registration (a name, or the newborn
    label "con của <mother's name>", or the mother's name: at least one)."""

    record_id = caller_record_id_field()
    full_name = Text(max_length=200, load_default=None, allow_none=True)
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))
    date_of_birth = fields.Date(required=True)
    date_of_birth_estimated = fields.Boolean(load_default=False)
    mother_name = Text(max_length=200, load_default=None, allow_none=True)
    mother_id = digits(12, load_default=None, allow_none=True)
    carer_name = Text(max_length=200, load_default=None, allow_none=True)
    commune_code = commune_code_field()
    facility_code = Identifier(max_length=32, load_default=None, allow_none=True)
    recorded_on = fields.Date(required=True)

    @validates_schema
    def someone_named(self, data: dict, **_: Any) -> None:
        if not data.get("full_name") and not data.get("mother_name"):
            raise SchemaError("Give the child's name (or 'con của <mother>'), the mother's name, or both.",
                              "full_name")


def check_dates(cmd: dict[str, Any], today: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if cmd["date_of_birth"] > today:
        errors["date_of_birth"] = [f"Must not be in the future (today is {today})."]
    if cmd["recorded_on"] > today:
        errors["recorded_on"] = [f"Must not be in the future (today is {today})."]
    elif cmd["recorded_on"] < cmd["date_of_birth"]:
        errors["recorded_on"] = [f"Before the child's birth on {cmd['date_of_birth']}."]
    return errors


def provisional_payload(provisional_id: str, cmd: dict[str, Any], map_version: str) -> dict[str, Any]:
    keys = ("full_name", "sex", "date_of_birth", "date_of_birth_estimated", "mother_name", "mother_id",
            "carer_name", "commune_code", "facility_code", "recorded_on")
    return {"provisional_id": provisional_id, **{key: cmd[key] for key in keys}, "map_version": map_version}


def record_provisional_child(store: SectorStore, cmd: dict, ctx: Context) -> Accepted:
    """Record a child met before its registration under a provisional id this sector mints
    (``provisional_child_recorded``; the answer carries ``provisional_id``)."""
    raise_if(check_dates(cmd, ctx.today), check_commune(cmd["commune_code"], cmd["recorded_on"], ctx.units))
    provisional_id = mint_provisional_id(store.source, cmd["record_id"])
    payload = provisional_payload(provisional_id, cmd, ctx.units.map_on(cmd["recorded_on"]))
    store.keep_provisional_child(provisional_id, {"record_id": cmd["record_id"], **payload}, ctx.units)
    return Accepted(RECORDED, provisional_id, cmd["commune_code"], cmd["recorded_on"], payload,
                    answer={"provisional_id": provisional_id})


def provisional_log(store: SectorStore, position: int, limit: int) -> list[dict]:
    """The part of a sector's log the registry follows: its provisional children and their voids."""
    model = store.outbox_model
    voided_type = model.envelope[("payload", "voided_event_type")].as_string()
    only = or_(model.event_type == RECORDED, and_(model.event_type == VOIDED, voided_type == RECORDED))
    return events_since(store.session, model, position, limit, only)


def take_provisional_children(service: type) -> None:
    """Give a sector service ``record_provisional_child`` and ``provisional_events_since``."""

    def provisional_events_since(self, position: int = 0, limit: int = 1000) -> list[dict]:
        """This sector's provisional children (and voids of them) after ``position``, oldest first, at
        most ``limit``: what the registry reads to catch up (never the rest of the log)."""
        page = load(EventsSinceSchema, {"position": position, "limit": limit})
        return provisional_log(self.repository(), page["position"], page["limit"])

    service.record_provisional_child = write_rpc(RecordProvisionalChildSchema, record_provisional_child,
                                                 sensitive_arguments=SENSITIVE)
    service.provisional_events_since = guarded("read:event_log", expected_exceptions=EXPECTED)(
        provisional_events_since)
