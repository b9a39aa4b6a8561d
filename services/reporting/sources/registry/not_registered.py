"""The children known only provisionally, for civil registration (``children_not_registered``, and as
CSV at ``GET /children/not-registered.csv``; issue 18).

One row per child of the commune on ``as_of`` (its residence in force that day) that a sector
recorded provisionally by then and that is still neither registered nor linked to a registered
child, alive then and born by then: its provisional id, its name or newborn label, sex, date of birth
(and whether it is estimated), its mother's or carer's name, the sector that met it first, the days
since its birth and whether the registration deadline has passed (``shared.rules.registration``);
which sector met it is withheld when that was protection, but for protection officers of the commune.
The list is who is still to register now; the catalogue's ``children_not_registered`` counts, for a
past date, the children unregistered on that date (the two agree on today). For a caller whose areas
hold the commune (``read:child``); every read audited.
"""

from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate

from services.reporting.orm import AuditEntry, ChildView
from services.reporting.repository import ReportingRepository
from services.reporting.sources.package.missing import commune_area
from shared.contracts.fields import load, report_date
from shared.kit import audit
from shared.kit.access import may_read_case, require_area
from shared.kit.csv_export import Column, csv_response, labelled, yes_no
from shared.kit.identity import Identity
from shared.kit.url_args import iso_date, url_date
from shared.kit.vn_format import day
from shared.rules import registration

ACTION = "read_not_registered"
SEXES_VI = {"male": "Nam", "female": "Nữ"}
SECTORS_VI = {"registry": "Hộ tịch", "health": "Y tế", "education": "Giáo dục", "protection": "Bảo vệ trẻ em"}
ESTIMATED = " (ước tính / estimated)"
COLUMNS = (
    Column("Mã tạm (provisional_id)", "provisional_id"),
    Column("Họ tên hoặc nhãn (name_or_label)", "name_or_label"),
    Column("Giới tính (sex)", "sex", labelled(SEXES_VI)),
    Column("Ngày sinh (date_of_birth)", "date_of_birth_shown"),
    Column("Mẹ / người chăm sóc (mother_or_carer)", "mother_or_carer"),
    Column("Ngành gặp trước (met_by)", "met_by", labelled(SECTORS_VI)),
    Column("Số ngày từ khi sinh (days_since_birth)", "days_since_birth"),
    Column("Quá hạn 60 ngày (deadline_passed)", "deadline_passed", yes_no),
)
URL_NAMES = {"commune_code": "commune"}


class NotRegisteredQuerySchema(Schema):
    commune_code = fields.String(required=True, validate=validate.Regexp(
        r"\A\d{5}\Z", error="Phải là mã xã gồm 5 chữ số / Must be a commune code of 5 digits."))
    as_of = report_date(required=True)


def met_shown(met_by: str | None, met_on: Any, who: Identity, commune_code: str | None,
              on: date | str) -> dict[str, Any]:
    """Which sector met the child first, and when: withheld (None) when it was protection (an
    abandoned newborn) and the caller is no protection officer of the child's commune."""
    if met_by == "protection" and not may_read_case(who, commune_code, on):
        return {"met_by": None, "met_on": None}
    return {"met_by": met_by, "met_on": met_on}


def row(view: ChildView, as_of: date, who: Identity) -> dict[str, Any]:
    born = view.date_of_birth
    met_on = view.met_on.isoformat() if view.met_on else None
    return {"provisional_id": view.child_id, "name_or_label": view.full_name, "sex": view.sex,
            "date_of_birth": born.isoformat(), "date_of_birth_estimated": bool(view.date_of_birth_estimated),
            "mother_or_carer": view.mother_name or view.carer_name,
            **met_shown(view.met_by, met_on, who, view.commune_code, view.map_version or as_of),
            "days_since_birth": (as_of - born).days,
            "deadline_passed": registration.past_deadline(born, as_of)}


def children_not_registered(repo: ReportingRepository, who: Identity, commune_code: Any, as_of: Any
                            ) -> list[dict[str, Any]]:
    """The list for a caller whose areas hold the commune (``Forbidden`` otherwise), audited."""
    query = load(NotRegisteredQuerySchema, {"commune_code": commune_code, "as_of": as_of})
    area = commune_area(query["commune_code"], query["as_of"])
    require_area(who, area.code, area.map_version, f"Commune {area.code}")
    found = [row(view, query["as_of"], who) for view in
             repo.provisional_children(area.column, area.code, query["as_of"])]
    audit.record_read(repo.session, AuditEntry, who, ACTION, audit.GRANTED)
    return found


def shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the file shows them: the date of birth dd/mm/yyyy, marked when estimated."""
    return [{**r, "date_of_birth_shown": day(r["date_of_birth"]) + (ESTIMATED if r["date_of_birth_estimated"]
                                                                    else "")} for r in rows]


def csv_not_registered(args, children_not_registered_rpc) -> tuple:
    """``?commune=…&as_of=…`` (dd/mm/yyyy or ISO) as CSV."""
    commune = args.get("commune")

    def fetch() -> list[dict]:
        return shown(children_not_registered_rpc(commune, url_date(args, "as_of")))

    as_of = iso_date(args.get("as_of") or "")  # for the file's name only: fetch() checks it
    return csv_response(fetch, COLUMNS, f"not-registered-{commune}-{as_of}.csv", URL_NAMES)
