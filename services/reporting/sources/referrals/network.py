"""Referral-network coverage (BRIEF section 9, indicator 3; Decision 1437 target c; the seeds' "mạng
lưới kết nối và chuyển tuyến"): the share of units whose referral network worked in the period.

The unit and the rule are data (``data/referral_network.yaml``): by default a unit's network worked
when at least one referral placed in it was sent AND completed within the period between two
different sectors, and no referral placed in it that was open at the period's end was then more
than 30 days past its deadline. The unit is the legacy district for the 2019-2025 plans (on the
2025 map, which has no districts, the data's ``unit_on_2025_map``), or the commune or province.
The two counts per commune ride in the referral table (never shown, never suppressed: a unit's
verdict is not a count of children) and are added up the tree, so a district or province is judged
on all its communes' referrals; the units counted are those of the unit's level in the area (an area
smaller than the unit has none, and no value).
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_

from services.reporting.orm import Referral
from services.reporting.suppression import Node, Table
from shared.rules import referrals

WORKED, LATE = "net_sent_and_completed", "net_long_overdue"
LEVELS = {"legacy_district": "district", "commune": "commune", "province": "province"}


def counted(start: date, end: date, open_on: Callable[[date], Any]) -> dict[str, Any]:
    rule, r = referrals.network_rules()["works_when"], Referral
    worked = [r.referred_on >= start, r.referred_on <= end, r.state == referrals.COMPLETED,
              r.closed_on <= end]
    if rule["different_sectors"]:
        worked.append(r.from_sector != r.to_sector)
    late = and_(r.referred_on <= end, r.due_on < end - timedelta(days=rule["overdue_days"]), open_on(end))
    return {WORKED: and_(*worked), LATE: late}


def works(table: Table, node: Node) -> bool:
    rule = referrals.network_rules()["works_when"]
    return (table.counts.get((node, WORKED), 0) >= rule["completed_at_least"]
            and table.counts.get((node, LATE), 0) <= rule["overdue_at_most"])


def units_in(table: Table, node: Node, level: str) -> list[Node]:
    """The nodes of ``level`` at or below ``node`` in the table's tree."""
    if node[0] == level:
        return [node]
    return [unit for child in table.children.get(node, []) for unit in units_in(table, child, level)]


def coverage(table: Table, node: Node, map_version: str) -> dict[str, Any]:
    unit = referrals.network_unit(map_version)
    units = units_in(table, node, LEVELS[unit])
    worked = sum(works(table, u) for u in units)
    return {"numerator": worked, "denominator": len(units),
            "value": round(worked / len(units), 4) if units else None, "network_unit": unit}
