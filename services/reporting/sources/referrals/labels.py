"""Vietnamese and English labels of the referral figures on the report page, read from the data
(``labels`` in ``shared/rules/data/referrals.yaml``): the figures', the sectors', the reasons' and the
network units' names. A figure by sector pair or by reason is a breakdown: the page leaves out the
rows of those that are zero (a suppressed one still shows)."""

from functools import cache
from typing import Any

from shared.rules import referrals

NETWORK = "referral_network_coverage"


@cache
def breakdowns() -> dict[str, tuple[str, str, dict[str, str]]]:
    """Each breakdown key -> (figure label, English label, the names to put in)."""
    sectors = referrals.rules()["sectors"]
    found = {}
    for sender in sectors:
        for receiver in sectors:
            names = dict(zip(("from", "from_en"), referrals.label("sectors", sender), strict=True))
            names.update(zip(("to", "to_en"), referrals.label("sectors", receiver), strict=True))
            found[f"referrals_sent_{sender}_to_{receiver}"] = ("referrals_sent_pair", names)
    for reason in referrals.reasons():
        names = dict(zip(("reason", "reason_en"), referrals.label("reasons", reason), strict=True))
        found[f"referrals_sent_reason_{reason}"] = ("referrals_sent_reason", names)
    return found


def is_referral(key: str) -> bool:
    return key.startswith("referral")


def is_breakdown(key: str) -> bool:
    return key in breakdowns()


def _fill(figure_code: str, names: dict[str, str]) -> tuple[str, str]:
    vi, en = referrals.label("figures", figure_code)
    return (vi.format(**{k: v for k, v in names.items() if not k.endswith("_en")}),
            en.format(**{k.removesuffix("_en"): v for k, v in names.items() if k.endswith("_en")}))


def referral_label(key: str, figure: dict[str, Any] | None = None) -> tuple[str, str]:
    if key in breakdowns():
        return _fill(*breakdowns()[key])
    if key == NETWORK:
        unit = (figure or {}).get("network_unit") or referrals.network_rules()["unit"]
        vi, en = referrals.label("units", unit)
        return _fill(NETWORK, {"unit": vi, "unit_en": en})
    return referrals.label("figures", key)
