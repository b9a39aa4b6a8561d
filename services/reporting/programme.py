"""The reporting service's programme-figure endpoints (issue 16): aggregate values an officer enters
per commune and period (trainings of staff and parents, communication sessions, a declared working
referral network), read summed up an area, with each commune's history.

``ReportingService`` inherits ``ProgrammeEndpoints`` (imported by module, so ``nameko run`` does not
take the base for a service). Writing needs the right ``write:programme`` (commune, district and
province officers) and a commune inside the caller's areas on the map in force at the period's end;
reading needs ``read:indicators`` and the area. Writes and history reads are audited (who, when,
which commune and period), and so is every refusal of the three RPCs and the form.
"""

from typing import Any

from marshmallow import Schema, fields, validate
from nameko.web.handlers import http

from services.reporting.indicators import COLUMNS, Area
from services.reporting.orm import AuditEntry
from services.reporting.sources.programme import entry, store
from services.reporting.sources.programme import figures as programme_figures
from services.reporting.sources.programme import http as programme_http
from shared.contracts.fields import digits, load
from shared.exceptions import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from shared.kit import audit
from shared.kit.access import authorise, guarded, require_area
from shared.rules import programme
from shared.rules.admin_units import CURRENT, LEGACY, AdminUnits, admin_units
from shared.rules.clock import new_id, today

WRITE, READ = "write:programme", "read:indicators"
EXPECTED = (ValidationFailed, NotFound, Conflict, Forbidden)
AUDITED = ("record_programme_figures", "programme_figures", "programme_history", "programme_form")


class AreaPeriodSchema(Schema):
    area_code = fields.String(required=True, validate=validate.Regexp(r"[0-9]{2}([0-9]|[0-9]{3})?\Z",
                                                                      error="Must be 2, 3 or 5 digits."))
    period = fields.String(required=True, validate=validate.Length(min=1, max=7))
    on_map = fields.String(load_default=None, allow_none=True, validate=validate.OneOf((LEGACY, CURRENT)))


class CommunePeriodSchema(Schema):
    commune_code = digits(5, required=True)
    period = fields.String(required=True, validate=validate.Length(min=1, max=7))


def period_of(code: str) -> programme.Period:
    try:
        return programme.parse_period(code, today())
    except ValueError as fault:
        raise ValidationFailed({"period": [str(fault)]}) from None


def area_on(code: str, map_version: str, units: AdminUnits) -> Area:
    level = units.area_level(code, map_version)
    if level is None:
        raise ValidationFailed({"area_code": [f"{code!r} is no province, district or commune on the "
                                              f"{map_version} map."]})
    return Area(code, level, map_version, COLUMNS[(map_version, level)], units.area_name(code, map_version))


class ProgrammeEndpoints:
    @guarded(WRITE, expected_exceptions=EXPECTED)
    def record_programme_figures(self, record: dict) -> dict:
        """Store a commune's figures for a period ({record_id, commune_code, period, values, reason});
        a correction replaces the value and keeps the history."""
        return entry.record_figures(self.db, record, self.caller.identity, today(), admin_units())

    @guarded(READ, expected_exceptions=EXPECTED)
    def programme_figures(self, area_code: str, period: str, on_map: str | None = None) -> dict:
        """The current figures of an area (read on the map in force at the period's end, or ``on_map``)
        for a period: each figure summed over its communes, the report's ratios, and each commune's."""
        query = load(AreaPeriodSchema, {"area_code": area_code, "period": period, "on_map": on_map})
        found, units = period_of(query["period"]), admin_units()
        area = area_on(query["area_code"], query["on_map"] or units.map_on(found.end), units)
        require_area(self.caller.identity, area.code, area.map_version, f"Area {area.code}")
        read = programme_figures.read(self.db, area, found.start, found.end)
        communes = sorted({c for c in read.placed.values() if c})
        return {"area": area.describe(), "period": {"code": found.code, "start": found.start.isoformat(),
                                                    "end": found.end.isoformat()},
                "values": read.totals(), "indicators": read.figures(),
                "communes": [{"code": c, "name": units.area_name(c, area.map_version),
                              "values": read.totals(c)} for c in communes]}

    @guarded(READ, expected_exceptions=EXPECTED)
    def programme_history(self, commune_code: str, period: str) -> dict:
        """Every value entered for a commune and period: who entered it, when, why, what replaced it."""
        query = load(CommunePeriodSchema, {"commune_code": commune_code, "period": period})
        found, who = period_of(query["period"]), self.caller.identity
        require_area(who, query["commune_code"], found.end, f"Commune {query['commune_code']}")
        rows = store.history(self.db, query["commune_code"], found.code)
        versions = {row.id: row.version for row in rows}
        audit.record_read(self.db, AuditEntry, who, "programme_history", audit.GRANTED,
                          case_id=f"{query['commune_code']}/{found.code}")
        return {"commune_code": query["commune_code"], "period": found.code,
                "current": {row.figure: row.value for row in rows if row.replaced_by is None},
                "history": [store.entry_dict(row, versions) for row in rows]}

    @http("GET", "/programme/form")
    def get_programme_form(self, request) -> tuple:
        """The HTML form to enter one commune's figures for one period (token as Bearer)."""
        self.caller.use_header(request.headers.get("Authorization"))
        return programme_http.form_response(request.args, self.programme_form, new_id)

    @http("POST", "/programme")
    def post_programme(self, request) -> tuple:
        """Store figures sent from the form or as a CSV upload; answer each row's outcome."""
        self.caller.use_header(request.headers.get("Authorization"))
        return programme_http.post_response(
            request, lambda: authorise(self, WRITE, "record_programme_figures", (), {}),
            self.record_programme_figures)

    def programme_form(self, commune_code: str, period: str) -> tuple[dict, str, dict[str, int]]:
        """What the form shows: the commune, the period and the current values (or a refusal)."""
        who = authorise(self, WRITE, "programme_form", (commune_code, period), {})
        query = load(CommunePeriodSchema, {"commune_code": commune_code, "period": period})
        found, units = period_of(query["period"]), admin_units()
        commune = units.commune(query["commune_code"], found.end)
        if commune is None:
            raise ValidationFailed({"commune_code": [
                f"No commune {query['commune_code']} on the map in force on {found.end}."]})
        try:
            require_area(who, commune.code, found.end, f"Commune {commune.code}")
        except Forbidden as refusal:
            self.programme_refused("programme_form", (commune_code, period), {}, refusal)
            raise
        current = {code: row.value for code, row in store.current(self.db, commune.code, found.code).items()}
        self.db.rollback()
        return {"code": commune.code, "name": commune.name}, found.code, current

    def programme_refused(self, method: str, args: tuple, kwargs: dict, refusal: Exception) -> None:
        """Audit a refused programme call: who (if the token said), which commune or area and period."""
        who = None if isinstance(refusal, Unauthenticated) else self.caller.identity
        audit.record_read(self.db, AuditEntry, who, method, audit.REFUSED, case_id=_where(args, kwargs))


def _where(args: tuple, kwargs: dict) -> str | None:
    """``commune/period`` of a call's arguments, as far as they are text (else None)."""
    record = args[0] if args and isinstance(args[0], dict) else kwargs.get("record")
    if isinstance(record, dict):
        parts: list[Any] = [record.get("commune_code"), record.get("period")]
    else:
        names = ("commune_code", "period") if "commune_code" in kwargs else ("area_code", "period")
        parts = list(args[:2]) or [kwargs.get(n) for n in names]
    text = "/".join(p for p in parts if isinstance(p, str))
    return text[:64] or None
