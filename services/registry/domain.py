"""Civil-registration rules, pure: no nameko, no SQLAlchemy.

The 12-digit personal identification number (Decree 137/2015 art. 13): digits 1-3 the province
where the birth was registered, on the LEGACY 63-province list (numbers are for life, so abolished
provinces' prefixes stay valid); digit 4 century and sex (0/1 = 1900s male/female, 2/3 = 2000s ...);
digits 5-6 the last two digits of the birth year; no check digit. A birth is registered on time when
registered at most 60 days after it (Civil Status Law 2014 art. 15). Every check returns a mapping
of field -> messages; an empty mapping means the command may be stored.
"""

from datetime import date
from typing import Any

from shared.rules.admin_units import LEGACY, AdminUnits
from shared.rules.registration import ON_TIME_DAYS

Errors = dict[str, list[str]]


def legacy_id_prefixes(units: AdminUnits) -> frozenset[str]:
    return frozenset("0" + code for code in units.provinces[LEGACY])


def check_personal_id(child_id: str, sex: str, born: date, prefixes: frozenset[str]) -> Errors:
    if len(child_id) != 12 or not child_id.isascii() or not child_id.isdigit():
        return {"child_id": ["Must be exactly 12 digits."]}
    problems = []
    if child_id[:3] not in prefixes:
        problems.append(f"Province prefix {child_id[:3]} is not a province code.")
    century_sex = int(child_id[3])
    if 1900 + 100 * (century_sex // 2) != born.year // 100 * 100:
        problems.append(f"Digit 4 ({century_sex}) does not match the century of {born.year}.")
    if ("male", "female")[century_sex % 2] != sex:
        problems.append(f"Digit 4 ({century_sex}) does not match sex {sex!r}.")
    if child_id[4:6] != f"{born.year % 100:02d}":
        problems.append(f"Digits 5-6 ({child_id[4:6]}) do not match birth year {born.year}.")
    return {"child_id": problems} if problems else {}


def check_commune(field: str, code: str, on: date, units: AdminUnits) -> Errors:
    if units.commune(code, on) is None:
        return {field: [f"Unknown commune {code!r} on the {units.map_on(on)} map in force on {on}."]}
    return {}


def check_not_future(field: str, value: date, today: date) -> Errors:
    return {field: [f"Must not be in the future (today is {today})."]} if value > today else {}


def check_not_before(field: str, value: date, floor: date, floor_name: str) -> Errors:
    return {field: [f"Must not be before {floor_name} ({floor})."]} if value < floor else {}


def merge(*checks: Errors) -> Errors:
    merged: Errors = {}
    for check in checks:
        for field, messages in check.items():
            merged.setdefault(field, []).extend(messages)
    return merged


def check_birth(cmd: dict[str, Any], today: date, units: AdminUnits) -> Errors:
    born, registered = cmd["date_of_birth"], cmd["registration_date"]
    return merge(
        check_personal_id(cmd["child_id"], cmd["sex"], born, legacy_id_prefixes(units)),
        check_not_future("date_of_birth", born, today),
        check_not_future("registration_date", registered, today),
        check_not_before("registration_date", registered, born, "date_of_birth"),
        check_commune("commune_code", cmd["commune_code"], registered, units),
    )


def birth_payload(cmd: dict[str, Any], units: AdminUnits) -> dict[str, Any]:
    days = (cmd["registration_date"] - cmd["date_of_birth"]).days
    return {
        "full_name": cmd["full_name"], "sex": cmd["sex"],
        "date_of_birth": cmd["date_of_birth"], "registration_date": cmd["registration_date"],
        "commune_code": cmd["commune_code"],
        "map_version": units.map_on(cmd["registration_date"]),
        "ethnicity": cmd.get("ethnicity"), "household_poverty": cmd["household_poverty"],
        "on_time": days <= ON_TIME_DAYS, "days_to_registration": days,
        "carer_name": cmd.get("carer_name"), "village": cmd.get("village"),
        **{key: cmd[key] for key in ("mother_name", "mother_id") if cmd.get(key) is not None},
    }


def check_residence(cmd: dict[str, Any], born: date, today: date, units: AdminUnits) -> Errors:
    return merge(
        check_not_future("moved_on", cmd["moved_on"], today),
        check_not_before("moved_on", cmd["moved_on"], born, "date_of_birth"),
        check_commune("commune_code", cmd["commune_code"], cmd["moved_on"], units),
    )


def residence_payload(cmd: dict[str, Any], units: AdminUnits) -> dict[str, Any]:
    return {"commune_code": cmd["commune_code"], "map_version": units.map_on(cmd["moved_on"]),
            "moved_on": cmd["moved_on"]}


def check_card(cmd: dict[str, Any], born: date, today: date) -> Errors:
    return merge(
        check_not_future("issued_on", cmd["issued_on"], today),
        check_not_before("issued_on", cmd["issued_on"], born, "date_of_birth"),
        check_not_before("valid_to", cmd["valid_to"], cmd["issued_on"], "issued_on"),
    )


def card_payload(cmd: dict[str, Any]) -> dict[str, Any]:
    return {key: cmd[key] for key in ("card_number", "issued_on", "valid_to")}


def check_death(cmd: dict[str, Any], born: date, today: date) -> Errors:
    return merge(
        check_not_future("date_of_death", cmd["date_of_death"], today),
        check_not_before("date_of_death", cmd["date_of_death"], born, "date_of_birth"),
    )


def death_payload(cmd: dict[str, Any]) -> dict[str, Any]:
    return {"date_of_death": cmd["date_of_death"]}
