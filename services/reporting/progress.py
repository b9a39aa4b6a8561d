"""How far a report's figures are from the targets the area's plan signed, and which communes pull the
figure down (issue 16, targets and progress).

For each indicator mapped to a target key (the catalogue's ``target:`` fields), against the target
of the year of ``as_of``: ``value`` and ``target`` in PERCENT (0-100 floats: the report's ``value``
is a 0-1 share, so 0.85 reads 85.0), ``gap`` = value - target in percentage points rounded to 1
decimal, and a status:
``on_track`` (the target reached; for an ``at_most`` target, not exceeded), ``off_track``,
``no_target`` (the plan states no numeric target) or ``no_data`` (the figure is absent, has no
denominator, or is suppressed). The referral-network target also names the unit it counts
(``target_unit``: district for the provinces' plans, province for Decision 1437; the 2025 map has no
districts, and the figure's own ``network_unit`` says what it counted). A district or province report
that carries its communes also lists, per indicator, the communes behind their own target, ranked by
the children missing to reach it (``ceil(denominator * target / 100 - numerator)``), largest first,
top ``top``. Each commune is read against its own plan: in a merged province, a commune of the
absorbed province reads that province's plan, as ``shared.rules.targets`` decides.
"""

from datetime import date
from typing import Any

from shared.rules import targets
from shared.rules.admin_units import AdminUnits
from shared.rules.targets import Target

UNIT = "percent"
BEHIND_TOP = 5
def progress(report: dict[str, Any], target_keys: dict[str, str], units: AdminUnits,
             top: int = BEHIND_TOP) -> dict[str, Any]:
    """The ``progress`` block of a report (see the module's docstring)."""
    area, year = report["area"], date.fromisoformat(report["as_of"]).year
    plan = targets.plan_for_area(area["code"], area["map"], year, units)
    communes = report.get("communes") if area["level"] != "commune" else None
    plans = {c["code"]: targets.plan_for_area(c["code"], area["map"], year, units) for c in communes or ()}
    found = {}
    for indicator, key in target_keys.items():
        entry = measure(report["indicators"].get(indicator), targets.target(key, year, plan))
        if communes is not None:
            entry["behind"] = behind(communes, plans, indicator, key, year, top)
        found[indicator] = entry
    return {"unit": UNIT, "year": year, "plan": plan.name, "indicators": found}


def measure(figure: dict[str, Any] | None, goal: Target) -> dict[str, Any]:
    value = percent(figure)
    gap = None if value is None or goal.value is None else round(value - goal.value, 1)
    entry = {"target_key": goal.key, "value": None if value is None else round(value, 2),
             "target": goal.value, "gap": gap, "status": status(value, goal), "plan": goal.plan,
             "year": goal.year, "source": goal.source, "reading": goal.reading}
    if goal.unit:  # a network target counts districts or provinces, whatever the figure counts
        entry["target_unit"] = goal.unit
    return entry


def status(value: float | None, goal: Target) -> str:
    if goal.value is None:
        return "no_target"
    if value is None:
        return "no_data"
    reached = value <= goal.value if goal.direction == "at_most" else value >= goal.value
    return "on_track" if reached else "off_track"


def percent(figure: dict[str, Any] | None) -> float | None:
    """The figure as a percentage, from its counts; None when it has none to divide (absent, a plain
    count, a zero denominator, a suppressed cell)."""
    counts = _counts(figure)
    return None if counts is None else 100 * counts[0] / counts[1]


def shortfall(figure: dict[str, Any] | None, goal: Target) -> int | None:
    """How far short of the target a figure is, exactly, in ten-thousandths of a child (targets have at
    most 2 decimals), or None when it is not behind."""
    counts = _counts(figure)
    if counts is None or goal.value is None:
        return None
    numerator, denominator = counts
    needed = denominator * round(goal.value * 100)  # children needed, times 10,000
    short = numerator * 10_000 - needed if goal.direction == "at_most" else needed - numerator * 10_000
    return short if short > 0 else None


def behind(communes: list[dict[str, Any]], plans: dict[str, targets.Plan], indicator: str, key: str,
           year: int, top: int) -> list[dict[str, Any]]:
    """The communes under their own plan's target for ``key``, the most children short first."""
    rows = []
    for commune in communes:
        goal = targets.target(key, year, plans[commune["code"]])
        figure = commune["indicators"].get(indicator)
        short = shortfall(figure, goal)
        if short is not None:
            rows.append((short, commune, measure(figure, goal)))
    rows.sort(key=lambda row: (-row[0], row[1]["code"]))
    return [{"code": commune["code"], "name": commune["name"], "value": entry["value"],
             "target": entry["target"], "gap": entry["gap"], "missing": -(-short // 10_000),
             "plan": entry["plan"]} for short, commune, entry in rows[:top]]


def _counts(figure: dict[str, Any] | None) -> tuple[int, int] | None:
    if not figure:
        return None
    numerator, denominator = figure.get("numerator"), figure.get("denominator")
    if _is_count(numerator) and _is_count(denominator) and denominator > 0:
        return numerator, denominator
    return None


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
