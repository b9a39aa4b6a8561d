"""The plan's registry indicators for an area on a date (BRIEF section 9, indicators 4-6).

An area code is read on the map in force on ``as_of``: 2 digits a province, 3 a district (legacy map
only), 5 a commune; the area includes everything below it. Children are placed by their latest
residence. Each indicator carries numerator, denominator and value (``None`` when the denominator
is zero; the under-5 count has no denominator because the registry does not know the population).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.reporting import repository as q
from services.reporting.repository import ReportingRepository
from shared.admin_units import LEGACY, AdminUnits
from shared.exceptions import ValidationFailed

COLUMNS = {(LEGACY, "province"): "legacy_province", (LEGACY, "district"): "legacy_district",
           (LEGACY, "commune"): "legacy_commune", ("2025", "province"): "current_province",
           ("2025", "commune"): "current_commune"}


@dataclass(frozen=True)
class Area:
    code: str
    level: str
    map_version: str
    column: str
    name: str | None = None


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def resolve_area(code: str, as_of: date, units: AdminUnits) -> Area:
    map_version = units.map_on(as_of)
    level = units.area_level(code, map_version)
    if level is None:
        raise ValidationFailed({"area_code": [
            f"{code!r} is no province, district or commune on the {map_version} map in force on "
            f"{as_of}."]})
    return Area(code, level, map_version, COLUMNS[(map_version, level)],
                units.area_name(code, map_version))


def ratio(numerator: int, denominator: int | None) -> dict[str, Any]:
    value = round(numerator / denominator, 4) if denominator else None
    return {"numerator": numerator, "denominator": denominator, "value": value}


def compute_indicators(repo: ReportingRepository, area: Area, as_of: date, start: date,
                       end: date) -> dict:
    count = lambda *conditions: repo.count(area.column, area.code, *conditions)  # noqa: E731
    births = (q.born_between(start, end), q.registered_by(as_of))
    living = (q.registered_by(as_of), q.alive_on(as_of))
    under5 = count(*living, q.born_between(years_before(as_of, 5), as_of),
                   q.born_after(years_before(as_of, 5)))
    under6 = (*living, q.born_between(years_before(as_of, 6), as_of),
              q.born_after(years_before(as_of, 6)))
    return {
        "area": {"code": area.code, "level": area.level, "map": area.map_version, "name": area.name},
        "as_of": as_of.isoformat(),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "indicators": {
            "birth_registration_on_time": ratio(count(*births, q.on_time()), count(*births)),
            "under5_registered": {"numerator": under5, "denominator": None, "value": under5},
            "under6_insurance_card_coverage": ratio(count(*under6, q.card_valid_on(as_of)),
                                                    count(*under6)),
        },
    }
