"""The plan's referral indicators (BRIEF section 9, indicator 22; network coverage, indicator 3, in
``referral_network``), for an area, ``as_of`` and a period.

A referral counts where it was made (its commune read on the map in force on ``as_of``), as a
protection case counts where it was opened, and only once its ``referral_sent`` has arrived:

* sent in the period (``referred_on`` within it): in all, by sector pair (from -> to), by reason,
  and those to, from or about protection;
* the share completed within the deadline OF THE REFERRALS DUE IN THE PERIOD (``due_on`` within it):
  each has had its whole time by ``as_of`` (the period ends by then), whereas one sent late in the
  period could not be judged yet; one declined, or still open, was not completed in time;
* the median days from referral to completion of the referrals completed in the period (``n`` beside it);
* open referrals past their deadline on ``as_of`` (sent by then, neither declined nor completed by then).

Counts are made for every commune of the area's province and added up the tree (``province_cells``).
Those that single out protection (a sector pair with protection, the reason protection_concern, the
protection total; ``protected`` in ``data/referrals.yaml``) are small-cell suppressed like protection's
own; the others are hidden only where one would give a suppressed count away (a total less its parts).
The timeliness figures (completed in time, median days, overdue) leave protection's referrals out:
they are never suppressed, and in a commune with one protection referral they would tell how it went.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_

from services.reporting import count_cache
from services.reporting.orm import Referral
from services.reporting.province_cells import (
    Cut,
    codes,
    keeps,
    kept_outside,
    placed_counts,
    province_of,
    suppressed,
    tree,
)
from services.reporting.repository import ReportingRepository
from services.reporting.sources.referrals import network as referral_network
from services.reporting.suppression import Node, Table
from shared.rules import protection, referrals
from shared.rules.admin_units import AdminUnits, admin_units

if TYPE_CHECKING:
    from services.reporting.indicators import Area

SENT, PROTECTED, OTHER = "ref_sent", "ref_sent_protected", "ref_sent_other"
PROTECTED_ELSE = "ref_sent_protected_other_reasons"  # protected, for a reason not protected itself
DUE, ON_TIME, OVERDUE = "ref_due", "ref_on_time", "ref_overdue"


def pairs() -> list[tuple[str, str]]:
    sectors = referrals.rules()["sectors"]
    return [(sender, receiver) for sender in sectors for receiver in sectors]


def pair_name(sender: str, receiver: str) -> str:
    return f"ref_{sender}_to_{receiver}"


def reason_name(reason: str) -> str:
    return f"ref_reason_{reason}"


def protected_reasons() -> list[str]:
    return [x for x in referrals.reasons() if referrals.is_protected("", "", x)]


def sensitive_names() -> frozenset[str]:
    """The counts that single out protection: small-cell suppressed."""
    return frozenset([PROTECTED, PROTECTED_ELSE, *(reason_name(x) for x in protected_reasons()),
                      *(pair_name(s, r) for s, r in pairs() if referrals.is_protected(s, r, None))])


def open_on(day: date):
    """Neither declined nor completed by the end of ``day``."""
    return or_(Referral.closed_on.is_(None), Referral.closed_on > day)


def counted(as_of: date, start: date, end: date) -> dict[str, Any]:
    r = Referral
    sent = and_(r.referred_on >= start, r.referred_on <= end)
    due = and_(r.due_on >= start, r.due_on <= end, r.protected.is_(False))
    protected = and_(sent, r.protected.is_(True))
    found = {SENT: sent, PROTECTED: protected, OTHER: and_(sent, r.protected.is_(False)),
             PROTECTED_ELSE: and_(protected, r.reason.not_in(protected_reasons()))}
    found.update({pair_name(s, x): and_(sent, r.from_sector == s, r.to_sector == x) for s, x in pairs()})
    found.update({reason_name(x): and_(sent, r.reason == x) for x in referrals.reasons()})
    found.update({DUE: due, ON_TIME: and_(due, r.state == referrals.COMPLETED, r.closed_on <= r.due_on),
                  OVERDUE: and_(r.referred_on <= as_of, r.due_on < as_of, open_on(as_of),
                                r.protected.is_(False))})
    found.update(referral_network.counted(start, end, open_on))
    return found


def groups() -> list[tuple[str, list[str]]]:
    """Counts that add up to another: a suppressed part must not be had from the total less the rest."""
    protected = sensitive_names()
    pair_names = [pair_name(s, r) for s, r in pairs()]
    return [(SENT, [PROTECTED, OTHER]), (PROTECTED, [n for n in pair_names if n in protected]),
            (OTHER, [n for n in pair_names if n not in protected]), (SENT, pair_names),
            (SENT, [reason_name(x) for x in referrals.reasons()]),
            (PROTECTED, [*(reason_name(x) for x in protected_reasons()), PROTECTED_ELSE])]


def _median(days: list[int]) -> dict[str, Any]:
    return {"numerator": None, "denominator": len(days), "value": median(days) if days else None,
            "unit": "days"}


@dataclass(frozen=True)
class ReferralFigures:
    """The province's suppressed referral table and the area's completion times, read per node."""

    table: Table
    map_version: str
    area: Node
    days: dict[str | None, list[int]]  # by commune; None: the whole area

    def figures(self, node: Node) -> dict[str, Any]:
        cut, key = Cut(self.table, node), None if node == self.area else node[1]
        found = {"referrals_sent": cut.count(SENT), "referrals_sent_protection": cut.count(PROTECTED)}
        found.update({f"referrals_sent_{s}_to_{r}": cut.count(pair_name(s, r)) for s, r in pairs()})
        found.update({f"referrals_sent_reason_{x}": cut.count(reason_name(x)) for x in referrals.reasons()})
        found["referrals_completed_on_time"] = cut.share(ON_TIME, DUE)
        found["referrals_median_days_to_completion"] = _median(self.days.get(key, []))
        found["referrals_overdue"] = cut.count(OVERDUE)
        found["referral_network_coverage"] = referral_network.coverage(self.table, node, self.map_version)
        return found


def read(repo: ReportingRepository, area: "Area", as_of: date, start: date, end: date, units: AdminUnits,
         columns: dict) -> ReferralFigures:
    """Count the referrals of every commune of the area's province (one statement), suppress, and
    read the area's completion times (one more)."""
    province = province_of(area, units)
    names = counted(as_of, start, end)
    by_commune = placed_counts(repo, Referral, area.map_version, province, columns, as_of, names, units,
                               (start, end), "referrals")
    table = suppressed(by_commune, list(names), province, tree(province, area.map_version, units), groups(),
                       protection.threshold(), sensitive_names().__contains__)
    days = completion_days(repo, area, as_of, start, end, units, columns[(area.map_version, "commune")])
    return ReferralFigures(table, area.map_version, (area.level, area.code), days)


def completion_days(repo: ReportingRepository, area: "Area", as_of: date, start: date, end: date,
                    units: AdminUnits, commune_column: str) -> dict[str | None, list[int]]:
    """The days to completion of the area's referrals completed in the period, by commune (None: all
    of them), each commune's kept as counts are (``province_cells.placed_counts``) when they may be."""
    def by_commune(rows) -> dict[str | None, list[int]]:
        found: dict[str | None, list[int]] = defaultdict(list)
        for commune, taken in rows:
            found[commune].append(taken)
        return found

    def read(**among) -> list[tuple[str | None, int]]:
        return repo.completions(area.column, area.code, start, end, commune_column, **among)

    if not keeps(repo, (start, end)):
        found = by_commune(read())
    else:
        communes = sorted(codes(units, area.code, area.map_version))
        key = count_cache.statement_key(as_of, start, end, ["days"], f"completions|{area.map_version}")
        kept, _ = count_cache.kept_counts(
            repo.session, area.map_version, communes, as_of, key,
            lambda stale: {c: {"days": sorted(d)} for c, d in by_commune(read(among=stale)).items()})
        found = defaultdict(list, {c: kept[c]["days"] for c in communes if kept[c]})
        if area.column != commune_column:
            found[count_cache.outside(area.code)] = kept_outside(
                repo, area.map_version, area.code, as_of, key,
                lambda: {"days": sorted(t for _, t in read(among=communes, outside=True))})["days"]
    return {**found, None: sorted(t for days in found.values() for t in days)}


def _sector_pairs(as_of: date) -> list[dict[str, Any]]:
    found = []
    for sender, receiver in pairs():
        (sender_vi, sender_en), (receiver_vi, receiver_en) = (referrals.label("sectors", sender),
                                                              referrals.label("sectors", receiver))
        found.append({"sender": sender, "receiver": receiver, "sender_vi": sender_vi,
                      "sender_en": sender_en, "receiver_vi": receiver_vi, "receiver_en": receiver_en})
    return found


def _reasons(as_of: date) -> list[dict[str, Any]]:
    return [dict(zip(("reason", "reason_vi", "reason_en"), (x, *referrals.label("reasons", x)), strict=True))
            for x in referrals.reasons()]


def _network_unit(as_of: date) -> list[dict[str, Any]]:
    unit = referrals.network_unit(admin_units().map_on(as_of))
    vi, en = referrals.label("units", unit)
    return [{"unit": unit, "unit_vi": vi, "unit_en": en}]


FAMILIES = {"sector_pairs": _sector_pairs, "reasons": _reasons, "network_unit": _network_unit}
