"""Protection's calls for a few registered children: a special circumstance (Law on Children art. 10)
with, for the groups the Decree 20/2021 allowance covers, an allowance; a case opened for a concern,
its support plan mostly within 7 days, some closed; and a referral from health to protection for a
protection concern. Shares are per child and rise with the commune's remoteness and poverty.
"""

import random
from datetime import date, timedelta

from shared.rules.admin_units import AdminUnits
from shared.rules.protection import allowance_categories
from tools.province.calls import Call, arrival, iso
from tools.province.health_calls import RECORDS_FROM
from tools.province.people import Child

CIRCUMSTANCE_SHARE, CASE_SHARE, REFERRAL_SHARE = 0.008, 0.004, 0.002
GROUPS = {"a": 2, "b": 1, "c": 2, "d": 5}
CONCERNS = ["neglect", "violence", "emotional_abuse", "child_labour", "abandonment"]


def day_in(rng: random.Random, child: Child, last: date) -> date | None:
    first = max(RECORDS_FROM, child.registered_on)
    return first + timedelta(days=rng.randrange((last - first).days + 1)) if first <= last else None


def years_old(child: Child, day: date) -> int:
    return day.year - child.born.year - ((day.month, day.day) < (child.born.month, child.born.day))


def circumstance(rng: random.Random, child: Child, prefix: str, last: date, units: AdminUnits) -> list[Call]:
    started = day_in(rng, child, last)
    if started is None:
        return []
    group, code = rng.choices(list(GROUPS), weights=list(GROUPS.values()))[0], child.place_on(started)
    code = code.code_on(started, units)
    made = [Call("protection", "record_special_circumstance", {
        "record_id": f"{prefix}-circumstance-{child.n}", "child_id": child.child_id, "groups": [group],
        "started_on": iso(started), "commune_code": code}, arrival(rng, started))]
    if rng.random() < 0.8:
        paid_from = min(started + timedelta(days=rng.randint(15, 60)), last)
        category = ("disability_severe" if group == "d" else
                    "no_support_under_4" if years_old(child, paid_from) < 4 else "no_support_4_plus")
        made.append(Call("protection", "grant_allowance", {
            "record_id": f"{prefix}-allowance-{child.n}", "child_id": child.child_id, "category": category,
            "coefficient": allowance_categories()[category]["coefficient"], "started_on": iso(paid_from),
            "commune_code": child.place_on(paid_from).code_on(paid_from, units)},
            max(arrival(rng, paid_from), made[0].arrives)))
    return made


def case(rng: random.Random, child: Child, prefix: str, last: date, units: AdminUnits) -> list[Call]:
    opened = day_in(rng, child, last)
    if opened is None:
        return []
    case_id = f"{prefix}-case-{child.n}"
    made = [Call("protection", "open_case", {
        "record_id": f"{case_id}-opened", "case_id": case_id, "child_id": child.child_id,
        "opened_on": iso(opened), "commune_code": child.place_on(opened).code_on(opened, units),
        "level": rng.choice(["prevention", "support", "intervention"]), "concerns": [rng.choice(CONCERNS)],
        "risk": rng.choice(["low", "medium", "high"])}, arrival(rng, opened, 0.0))]
    plan_on = opened + timedelta(days=rng.randint(1, 7) if rng.random() < 0.8 else rng.randint(8, 30))
    if plan_on <= last:
        made.append(Call("protection", "update_case", {
            "record_id": f"{case_id}-plan", "case_id": case_id, "updated_on": iso(plan_on),
            "plan_on": iso(plan_on), "services": ["counselling", "family_support"]},
            max(plan_on, made[0].arrives)))
    closed = plan_on + timedelta(days=rng.randint(30, 200))
    if plan_on <= last and closed <= last and rng.random() < 0.5:
        made.append(Call("protection", "close_case", {
            "record_id": f"{case_id}-closed", "case_id": case_id, "closed_on": iso(closed),
            "outcome": "resolved"}, max(closed, made[-1].arrives)))
    return made


def referral(rng: random.Random, child: Child, prefix: str, last: date, units: AdminUnits) -> list[Call]:
    sent = day_in(rng, child, last)
    if sent is None:
        return []
    return [Call("health", "refer_child", {
        "record_id": f"{prefix}-refer-{child.n}", "referral_id": f"{prefix}-referral-{child.n}",
        "child_id": child.child_id, "to_sector": "protection", "reason": "protection_concern",
        "referred_on": iso(sent), "commune_code": child.place_on(sent).code_on(sent, units)}, sent)]


def calls(rng: random.Random, child: Child, prefix: str, as_of: date, units: AdminUnits) -> list[Call]:
    if child.registered_on is None or child.duplicate:
        return []
    last, weight = min(as_of, child.died_on or as_of), 1 + 2 * (child.poverty == "poor")
    made = []
    if rng.random() < CIRCUMSTANCE_SHARE * weight:
        made += circumstance(rng, child, prefix, last, units)
    if rng.random() < CASE_SHARE * weight:
        made += case(rng, child, prefix, last, units)
    if rng.random() < REFERRAL_SHARE * weight:
        made += referral(rng, child, prefix, last, units)
    return made
