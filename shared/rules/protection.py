"""Child-protection rules as data (``data/protection_rules.yaml``), pure functions.

The 14 groups of children in special circumstances (Law on Children art. 10), case levels, concerns,
risk bands, services, outcomes, alternative-care forms, the Decree 20/2021 allowance categories with
their coefficients and the dated standard level, who may read cases, and the small-cell threshold.
Protection (to check a record) and reporting (to count and suppress) both read them here.
"""

from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import yaml


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "protection_rules.yaml").read_text("utf-8"))


def codes(key: str) -> list[str]:
    """The codes of one list or mapping of the rules (``special_circumstances``, ``concerns``...)."""
    return list(rules()[key])


def allowance_categories() -> dict[str, dict[str, float]]:
    return rules()["allowance"]["categories"]


def standard_level(on: date) -> int | None:
    """The standard level (VND a month) in force on ``on``; None before the first one."""
    levels = sorted(rules()["allowance"]["standard_level_vnd"], key=lambda r: r["from"])
    amount = None
    for level in levels:
        if date.fromisoformat(level["from"]) <= on:
            amount = level["amount"]
    return amount


def threshold() -> int:
    return rules()["suppression_threshold"]
