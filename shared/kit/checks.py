"""Rules every sector applies to a record about a child, pure: its date and its commune.

A record is refused (``Errors``: field -> messages) when its date is in the future, before the
child's birth or after its death (when the sector knows the child from the registry's events), or
when its commune is not on the map in force on that date.
"""

from datetime import date
from typing import Any

from shared.exceptions import ValidationFailed
from shared.rules.admin_units import AdminUnits

Errors = dict[str, list[str]]


def check_event_date(field: str, day: date, child: Any | None, today: date) -> Errors:
    """``child``: the sector's known child (``date_of_birth``, ``date_of_death``) or None."""
    if day > today:
        return {field: [f"Must not be in the future (today is {today})."]}
    if child is not None and day < child.date_of_birth:
        return {field: [f"Before the child's birth on {child.date_of_birth}."]}
    if child is not None and child.date_of_death is not None and day > child.date_of_death:
        return {field: [f"After the child's death on {child.date_of_death}."]}
    return {}


def check_commune(code: str, day: date, units: AdminUnits) -> Errors:
    if units.commune(code, day) is None:
        return {"commune_code": [f"{code} is no commune on the {units.map_on(day)} map in force on {day}."]}
    return {}


def raise_if(*checks: Errors) -> None:
    """One ``ValidationFailed`` naming every field that any check found at fault."""
    errors = {field: messages for check in checks for field, messages in check.items()}
    if errors:
        raise ValidationFailed(errors)
