"""What a generated province holds, counted from the generator's own children: cohorts, sexes,
registration on time, calls by service and method, and the registry figures a report on ``as_of``
must show for the province and each commune (on the map in force on ``as_of``), counted the way
reporting counts them (``services.reporting.indicators``): where each child lives on ``as_of``, its
birth registered by then and not voided; births in the period (1 January to ``as_of``); under 5 and
under 6 alive on ``as_of``; under 6 with a card valid that day.
"""

from collections import Counter
from datetime import date
from typing import Any

from shared.rules.admin_units import AdminUnits
from shared.rules.epi import add_months
from tools.province.calls import Call
from tools.province.people import Child

FIGURES = ("births", "births_on_time", "under5", "under6", "under6_card")


def card_valid(child: Child, cards: dict[str, dict], on: date) -> bool:
    card = cards.get(child.child_id)
    return card is not None and card["issued_on"] <= on.isoformat() <= card["valid_to"]


def child_figures(child: Child, cards: dict[str, dict], as_of: date) -> dict[str, bool]:
    start = date(as_of.year, 1, 1)
    births = start <= child.born <= as_of
    living = child.alive_on(as_of)
    under6 = living and child.born > add_months(as_of, -72)
    return {"births": births, "births_on_time": births and child.on_time,
            "under5": living and child.born > add_months(as_of, -60), "under6": under6,
            "under6_card": under6 and card_valid(child, cards, as_of)}


def expected_figures(children: list[Child], calls: list[Call], as_of: date, units: AdminUnits
                     ) -> dict[str, Any]:
    """The registry figures on ``as_of`` for the province and by commune (code on that day's map)."""
    cards = {c.record["child_id"]: c.record for c in calls if c.method == "issue_insurance_card"}
    province, communes = Counter(), {}
    for child in children:
        if child.registered_on is None or child.registered_on > as_of or child.duplicate:
            continue
        code = child.place_on(as_of).code_on(as_of, units)
        counted = [name for name, yes in child_figures(child, cards, as_of).items() if yes]
        province.update(counted)
        communes.setdefault(code, Counter()).update(counted)
    return {"province": {name: province[name] for name in FIGURES},
            "communes": {code: {name: counts[name] for name in FIGURES}
                         for code, counts in sorted(communes.items())}}


def summary(children: list[Child], calls: list[Call], as_of: date, units: AdminUnits) -> dict[str, Any]:
    registered = [c for c in children if c.registered_on is not None]
    on_time = sum(c.on_time for c in registered)
    return {
        "as_of": as_of.isoformat(),
        "children": len(children),
        "cohorts": dict(sorted(Counter(as_of.year - c.born.year - ((as_of.month, as_of.day) <
                                                                   (c.born.month, c.born.day))
                                       for c in children).items())),
        "sexes": dict(sorted(Counter(c.sex for c in children).items())),
        "kinh": sum(c.ethnicity == "Kinh" for c in children),
        "poverty": dict(sorted(Counter(c.poverty for c in children).items())),
        "registered": len(registered),
        "registered_on_time": on_time,
        "on_time_share": round(on_time / len(registered), 4) if registered else None,
        "moved": sum(c.moved is not None for c in children),
        "died": sum(c.died_on is not None for c in children),
        "voided_births": sum(c.duplicate for c in registered),
        "calls": dict(sorted(Counter(f"{c.service}.{c.method}" for c in calls).items())),
        "expected": expected_figures(children, calls, as_of, units),
    }
