"""Referral figures from the province's referral table: only counts that single out protection are
suppressed for being small, no suppressed one can be had by subtraction, and the network coverage
counts the units of its level whose referrals meet the rule."""

from services.reporting.province_cells import Cut, suppressed, tree
from services.reporting.sources.referrals import indicators as ri
from services.reporting.sources.referrals import network
from services.reporting.suppression import Table
from shared.rules import protection
from shared.rules.admin_units import CURRENT, LEGACY, admin_units
from tests.support.figures import shown

PROVINCE, CITY = ("province", "12"), ("district", "105")


def commune(**counts: int) -> dict[str, int]:
    """A commune's referral counts; ``ref_sent``, the protection and other totals added up."""
    sensitive = ri.sensitive_names()
    pairs = {name: n for name, n in counts.items() if name in {ri.pair_name(s, r) for s, r in ri.pairs()}}
    protected = sum(n for name, n in pairs.items() if name in sensitive)
    return {**counts, ri.SENT: sum(pairs.values()), ri.PROTECTED: protected,
            ri.OTHER: sum(pairs.values()) - protected}


def referral_table(by_commune: dict, map_version: str = LEGACY) -> Table:
    names = sorted({*(n for counts in by_commune.values() for n in counts),
                    *(n for total, parts in ri.groups() for n in (total, *parts))})
    return suppressed(by_commune, names, "12", tree("12", map_version, admin_units()), ri.groups(),
                      protection.threshold(), ri.sensitive_names().__contains__)


def one_step_recoverable(table: Table) -> list:
    """Hidden cells that a shown total less its other, shown, parts would give."""
    found = []
    names = {name for _, name in table.counts}
    pairs = [((parent, name), [(kid, name) for kid in kids])
             for parent, kids in table.children.items() for name in names]
    pairs += [((node, total), [(node, part) for part in parts])
              for node in {node for node, _ in table.counts} for total, parts in table.groups]
    for total, parts in pairs:
        hidden = [p for p in parts if p in table.hidden]
        if total not in table.hidden and len(hidden) == 1:
            found.append(hidden[0])
        if total in table.hidden and parts and not hidden:
            found.append(total)
    return found


H_TO_P, H_TO_E, E_TO_H = (ri.pair_name(*pair) for pair in (
    ("health", "protection"), ("health", "education"), ("education", "health")))
CONCERN, DELAY = ri.reason_name("protection_concern"), ri.reason_name("development_delay")


def test_two_protection_referrals_in_a_commune_are_suppressed_and_cannot_be_had_by_subtraction():
    table = referral_table({
        "03388": commune(**{H_TO_P: 2, CONCERN: 2, H_TO_E: 8, DELAY: 8}),
        "03387": commune(**{H_TO_E: 6, DELAY: 6}),
        "03390": commune(**{E_TO_H: 1, DELAY: 1})})
    quyet_tien = Cut(table, ("commune", "03388"))
    assert [shown(quyet_tien.count(name), "value") for name in (H_TO_P, ri.PROTECTED, CONCERN)] == ["<5"] * 3
    assert quyet_tien.count(ri.SENT)["value"] == 10
    assert one_step_recoverable(table) == []
    primary_only = Table(dict(table.counts), table.children, table.groups, hidden=set(table.small))
    assert one_step_recoverable(primary_only)  # what the secondary suppression prevents


def test_without_protection_referrals_nothing_is_suppressed_however_small():
    table = referral_table({"03388": commune(**{H_TO_E: 1, DELAY: 1}),
                            "03390": commune(**{E_TO_H: 2, DELAY: 2})})
    assert table.hidden == set()
    assert Cut(table, PROVINCE).count(DELAY)["value"] == 3


def verdicts(by_commune: dict, map_version: str = LEGACY) -> Table:
    names = [network.WORKED, network.LATE]
    return suppressed(by_commune, names, "12", tree("12", map_version, admin_units()), [], 5, lambda _: False)


def test_a_district_works_when_its_communes_completed_a_cross_sector_referral_and_none_is_long_overdue():
    table = verdicts({"03388": {network.WORKED: 1}, "03386": {network.LATE: 0},  # 105: works
                      "03390": {network.WORKED: 2}, "03394": {network.LATE: 1},  # 106: one long overdue
                      "03391": {network.LATE: 0}})  # 109: nothing completed
    assert network.coverage(table, PROVINCE, LEGACY) == {"numerator": 1, "denominator": 8, "value": 0.125,
                                                         "network_unit": "legacy_district"}
    assert network.coverage(table, CITY, LEGACY)["value"] == 1.0
    assert network.coverage(table, ("commune", "03388"), LEGACY) == {  # smaller than the unit: no value
        "numerator": 0, "denominator": 0, "value": None, "network_unit": "legacy_district"}


def test_on_the_2025_map_each_commune_is_a_unit():
    table = verdicts({"03388": {network.WORKED: 1}, "03394": {network.WORKED: 1, network.LATE: 1}}, CURRENT)
    assert network.coverage(table, PROVINCE, CURRENT) == {
        "numerator": 1, "denominator": 38, "value": round(1 / 38, 4), "network_unit": "commune"}
