"""Referrals between sectors as data (``data/referrals.yaml``, ``data/referral_network.yaml``), pure.

Which sectors a reason may go to, the deadline a reason and urgency give, the states a referral
goes through and the answer each accepts (one transition table), and how a referral's events fold
into its state whatever order they arrive in (by each state's rank); and the automatic referrals
(``data/referral_rules.yaml``): which service raises each, on what condition, to whom; which
referrals are protection data, the codes' Vietnamese names, and when a unit's referral network
worked (its unit and rule).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

SENT, COMPLETED = "sent", "completed"


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "referrals.yaml").read_text("utf-8"))


def reasons() -> list[str]:
    return list(rules()["reasons"])


def receivers(reason: str) -> list[str]:
    return list(rules()["reasons"][reason]["to"])


def due_on(reason: str, urgency: str, referred_on: date) -> date:
    """The last day the receiver has to complete the referral."""
    return referred_on + timedelta(days=rules()["reasons"][reason]["days"][urgency])


def next_state(state: str, answer: str) -> str | None:
    """The state ``answer`` (accept, decline, complete) leads to from ``state``; None: not allowed."""
    return rules()["states"][state]["answers"].get(answer)


def answers_from(state: str) -> list[str]:
    return list(rules()["states"][state]["answers"])


def fold(states: Iterable[str]) -> str:
    """The state a referral is in once all these events arrived, in any order (highest rank wins;
    a referral nobody answered is ``sent``)."""
    ranks = rules()["states"]
    return max(states, key=lambda state: (ranks[state]["rank"], state), default=SENT)  # ties: by name


def is_open(state: str) -> bool:
    return state in rules()["open_states"]


def is_overdue(state: str, due: date, on: date) -> bool:
    return is_open(state) and on > due


@dataclass(frozen=True)
class AutomaticRule:
    """One automatic referral (``data/referral_rules.yaml``): who raises it, on which condition,
    where it goes and why, which events make the raiser look at once, and the condition's numbers."""

    rule_id: str
    raised_by: str
    condition: str
    reason: str
    to_sector: str
    urgency: str
    after: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    private: bool = False  # its events name neither the rule nor the condition


@cache
def automatic_rules() -> tuple[AutomaticRule, ...]:
    data = yaml.safe_load((files("shared.rules") / "data" / "referral_rules.yaml").read_text("utf-8"))
    return tuple(AutomaticRule(rule_id, spec["raised_by"], spec["condition"], spec["reason"], spec["to"],
                               spec["urgency"], tuple(spec.get("after", ())), spec.get("params", {}),
                               spec.get("private", False))
                 for rule_id, spec in data["rules"].items())


def rules_raised_by(sector: str) -> tuple[AutomaticRule, ...]:
    return tuple(rule for rule in automatic_rules() if rule.raised_by == sector)


def is_protected(from_sector: str, to_sector: str, reason: str | None) -> bool:
    """A referral to, from or about protection: a child known to protection (``protected`` in the data)."""
    protected = rules()["protected"]
    return (from_sector in protected["sectors"] or to_sector in protected["sectors"]
            or reason in protected["reasons"])


def label(kind: str, code: str) -> tuple[str, str]:
    """The Vietnamese and English names of a code (``kind``: sectors, reasons, states, urgencies,
    units); the code itself when the data has none. The figures' labels are in reporting's catalogue."""
    vi, en = rules()["labels"][kind].get(code, (code, code))
    return vi, en


@cache
def network_rules() -> dict[str, Any]:
    """When a unit's referral network worked in a period, and which unit (``data/referral_network.yaml``)."""
    return yaml.safe_load((files("shared.rules") / "data" / "referral_network.yaml").read_text("utf-8"))


def network_unit(map_version: str) -> str:
    """The unit counted on this map: districts exist only on the legacy one."""
    found = network_rules()
    return found["unit"] if map_version == "legacy" or found["unit"] != "legacy_district" \
        else found["unit_on_2025_map"]
