"""The groups the plan's figures are broken down into, as data (``data/breakdowns.yaml``), pure.

Age bands are completed years on the report's date (0-2, 3-5, 6-8; older children fall in
``older``); the ethnic group is Kinh when the registered ethnicity is one of the Kinh names
(compared case-insensitively, trimmed), a minority for any other name, unknown when none was
recorded. Reporting turns these into SQL groupings; nothing here knows of a database.
"""

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

OLDER = "older"


@dataclass(frozen=True)
class AgeBand:
    label: str
    from_years: int
    to_years: int


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "breakdowns.yaml").read_text("utf-8"))


def age_bands() -> tuple[AgeBand, ...]:
    return tuple(AgeBand(**band) for band in rules()["age_bands"])


def kinh_names() -> frozenset[str]:
    """The Kinh names, lower-cased and trimmed (as the comparison reads an ethnicity)."""
    return frozenset(name.strip().lower() for name in rules()["kinh_names"])


def ethnic_group(ethnicity: str | None) -> str:
    """``kinh``, ``minority`` or ``unknown`` for a registered ethnicity (the rule the SQL follows)."""
    if ethnicity is None or not ethnicity.strip():
        return "unknown"
    return "kinh" if ethnicity.strip().lower() in kinh_names() else "minority"


def labels(dimension: str) -> dict[str, str]:
    return rules()["labels"].get(dimension, {})
