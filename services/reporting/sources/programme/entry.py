"""Entering programme figures: validate, replay a retried ``record_id``, store new versions, audit.

``record_figures`` judges a record (commune code, period, values, and a reason when it corrects a
stored value) before anything is written: every fault is one ``ValidationFailed`` naming its fields
(``period``, ``commune_code``, ``values.<figure>``, ``reason``), a commune outside the caller's
areas is ``Forbidden``. A retried ``record_id`` with the same content answers what it answered the
first time; with other content it is a ``Conflict``. A value equal to the current one stores
nothing; another one is the figure's next version, replacing the current one (its history keeps
who, when and why). The write, its record and its audit entry commit together; two writes of one
commune and period take turns.
"""

from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.reporting import count_cache
from services.reporting.orm import AuditEntry
from services.reporting.sources.programme import store
from services.reporting.sources.programme.tables import ProgrammeEntry, ProgrammeRecord
from services.reporting.sources.registry.projection import placement
from shared.contracts.common import CALLER_RECORD_ID_MAX
from shared.contracts.fields import Identifier, Text, digits, load
from shared.exceptions import Conflict, ValidationFailed
from shared.kit import audit
from shared.kit.access import require_area
from shared.kit.identity import Identity
from shared.plumbing.db import ending_open_transaction, lock_keys
from shared.rules import programme
from shared.rules.admin_units import AdminUnits

ACTION = "record_programme_figures"
FIGURES_MAX = 20


class ProgrammeRecordSchema(Schema):
    record_id = Identifier(max_length=CALLER_RECORD_ID_MAX, required=True)
    commune_code = digits(5, required=True)
    period = fields.String(required=True, validate=validate.Length(min=1, max=7))
    values = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)), values=fields.Raw(),
                         required=True, validate=validate.Length(min=1, max=FIGURES_MAX))
    reason = Text(max_length=500, load_default=None, allow_none=True)


def judged_period(cmd: dict[str, Any], today: date, units: AdminUnits) -> programme.Period:
    """The record's period, its commune on the map in force at the period's end, its values
    (without the stored ones yet): every fault at once."""
    errors: dict[str, list[str]] = programme.value_errors(cmd["values"], {})
    try:
        period = programme.parse_period(cmd["period"], today)
    except ValueError as fault:
        raise ValidationFailed({"period": [str(fault)], **errors}) from None
    if units.commune(cmd["commune_code"], period.end) is None:
        errors["commune_code"] = [f"No commune {cmd['commune_code']} on the "
                                  f"{units.map_on(period.end)} map in force on {period.end}."]
    if errors:
        raise ValidationFailed(errors)
    return period


def corrections(values: dict[str, int], stored: dict[str, ProgrammeEntry]) -> list[str]:
    return [f"{code} ({stored[code].value} → {value})" for code, value in values.items()
            if code in stored and stored[code].value != value]


def record_figures(session: Session, data: Any, who: Identity, today: date, units: AdminUnits,
                   retried: bool = False) -> dict[str, Any]:
    cmd = load(ProgrammeRecordSchema, data)
    period = judged_period(cmd, today, units)
    require_area(who, cmd["commune_code"], period.end, f"Commune {cmd['commune_code']} (commune_code)")
    with ending_open_transaction(session):
        lock_keys(session, [f"programme:{cmd['record_id']}",
                            f"programme:{cmd['commune_code']}:{period.code}"])
        earlier = store.record(session, cmd["record_id"])
        if earlier is not None:
            if earlier.request != cmd:
                raise Conflict(f"Record {cmd['record_id']} was already used for other figures.")
            return earlier.response
        try:
            response = _store(session, cmd, period, who, units)
            audit.record_read(session, AuditEntry, who, ACTION, audit.GRANTED,  # commits the write too
                              case_id=f"{cmd['commune_code']}/{period.code}")
        except IntegrityError:  # a twin of this record, or another version, committed first
            session.rollback()
            if retried:
                raise
            return record_figures(session, data, who, today, units, retried=True)
    return response


def _store(session: Session, cmd: dict[str, Any], period: programme.Period, who: Identity,
           units: AdminUnits) -> dict[str, Any]:
    stored = store.current(session, cmd["commune_code"], period.code)
    errors = programme.value_errors(cmd["values"], {code: e.value for code, e in stored.items()})
    changed = corrections(cmd["values"], stored)
    if changed and not cmd["reason"]:
        errors["reason"] = [f"A correction of {', '.join(changed)} needs a reason."]
    if errors:
        raise ValidationFailed(errors)
    map_version = units.map_on(period.end)
    answer = {"record_id": cmd["record_id"], "commune_code": cmd["commune_code"], "period": period.code,
              "map": map_version, "stored": {}, "unchanged": []}
    for code, value in sorted(cmd["values"].items()):
        before = stored.get(code)
        if before is not None and before.value == value:
            answer["unchanged"].append(code)
            continue
        placed = placement(cmd["commune_code"], map_version, units)
        entry = ProgrammeEntry(
            record_id=cmd["record_id"], map_version=map_version, period=period.code,
            period_start=period.start, period_end=period.end, figure=code, value=value,
            version=before.version + 1 if before else 1, entered_by=who.user_id,
            entered_system=who.system, reason=cmd["reason"], **placed, commune_code=cmd["commune_code"])
        count_cache.mark(session, count_cache.places_placed(placed))  # its communes' kept counts go
        session.add(entry)
        session.flush()
        if before is not None:
            before.replaced_by = entry.id
        answer["stored"][code] = {"value": value, "version": entry.version}
    session.add(ProgrammeRecord(record_id=cmd["record_id"], commune_code=cmd["commune_code"],
                                period=period.code, request=cmd, response=answer,
                                written_by={"system": who.system, "user_id": who.user_id}))
    return answer
