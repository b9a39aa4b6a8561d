"""Health's calls for one child: vaccinations on the EPI schedule (``shared.rules.epi``), growth
measurements on the twice-yearly weighing days under 5, an annual health check from 3 with the
older children measured there, and screenings (a few suspected or confirmed disabilities).

Coverage follows the commune: the more remote, the more doses late or missing (a series stops at
its first missing dose) and the fewer children weighed or checked. Lengths and weights are drawn
around WHO medians from a z-score that belongs to the child, lower in remote communes, so some
children are stunted or wasted. Only records dated from ``RECORDS_FROM`` (the platform's start) to
``as_of`` (or the child's death) are made; a few doses are voided later (entered in error).
"""

import random
from bisect import bisect_right
from datetime import date, timedelta

from shared.rules import epi
from shared.rules.admin_units import AdminUnits
from tools.province.calls import Call, arrival, iso
from tools.province.people import Child

RECORDS_FROM = date(2023, 1, 1)
WEIGHING_DAYS = ((6, 1), (12, 1))  # growth monitoring campaigns, 1 June and 1 December
CHECK_SEASON = (9, 15)  # annual health check: during the school year from 15 September
VOID_SHARE = 0.005
VOID_REASON = "Nhập nhầm / entered in error"
MONTHS = (0, 3, 6, 9, 12, 18, 24, 36, 48, 60, 72, 84, 96, 108)
HEIGHT_CM = (49.9, 61.4, 67.6, 72.0, 75.7, 82.3, 87.8, 96.1, 103.3, 110.0, 116.0, 121.7, 127.3, 132.6)
WEIGHT_KG = (3.3, 6.4, 7.9, 8.9, 9.6, 10.9, 12.2, 14.3, 16.3, 18.3, 20.5, 22.9, 25.4, 28.1)


def median(table: tuple[float, ...], months: int, sex: str) -> float:
    i = min(bisect_right(MONTHS, months) - 1, len(MONTHS) - 2)
    low, high = MONTHS[i], MONTHS[i + 1]
    value = table[i] + (table[i + 1] - table[i]) * (min(months, high) - low) / (high - low)
    return value * (1.0 if sex == "male" else 0.98)


def dose_plan(born: date) -> list[tuple[epi.Row, date]]:
    """Each routine dose (no rollout, enabled) with the day it is due: its due age, or a month
    after the previous dose of its series."""
    plan, schedule = [], epi.schedule()
    for row in schedule.in_force(epi.add_months(born, 9 * 12)).rows:
        if not row.enabled or row.rollout:
            continue
        previous = plan[-1][1] if plan and plan[-1][0].antigen == row.antigen else None
        due = epi.after_age(born, row.due_age) if row.due_age else epi.add_months(previous or born, 1)
        if any(r.antigen == row.antigen and r.dose == row.dose for r in schedule.in_force(due).rows):
            plan.append((row, due))
    return plan


def vaccinations(rng: random.Random, child: Child, prefix: str, last: date, units: AdminUnits) -> list[Call]:
    made, given_before = [], {}
    missing, late = child.home.rate(0.005, 0.04), child.home.rate(0.03, 0.2)
    for row, due in dose_plan(child.born):
        if row.antigen in given_before and given_before[row.antigen] is None or rng.random() < missing:
            given_before[row.antigen] = None  # the series stops at its first missing dose
            continue
        delay = rng.randint(29, 90) if rng.random() < late else rng.randint(0, 20)
        given = max(due + timedelta(days=delay if row.min_age != "0d" else rng.randint(0, 1)),
                    epi.after_age(child.born, row.min_age or "0d"))
        if given_before.get(row.antigen):
            given = max(given, given_before[row.antigen] + timedelta(days=28))
        given_before[row.antigen] = given
        if RECORDS_FROM <= given <= last:
            code = child.place_on(given).code_on(given, units)
            record = {"record_id": f"{prefix}-vacc-{child.n}-{row.antigen}-{row.dose}",
                      "child_id": child.child_id, "antigen": row.antigen, "dose": row.dose,
                      "given_on": iso(given), "commune_code": code, "facility_code": f"TYT-{code}"}
            made.append(Call("health", "record_vaccination", record, arrival(rng, given)))
    return made


def measurement(rng: random.Random, child: Child, day: date, z: tuple[float, float], prefix: str,
                units: AdminUnits) -> Call:
    months = epi.age_in_months(child.born, day)
    height = median(HEIGHT_CM, months, child.sex) * (1 + 0.037 * (z[0] + rng.gauss(0, 0.2)))
    weight = median(WEIGHT_KG, months, child.sex) * (1 + 0.10 * (0.7 * z[0] + z[1] + rng.gauss(0, 0.2)))
    code = child.place_on(day).code_on(day, units)
    record = {"record_id": f"{prefix}-growth-{child.n}-{iso(day)}", "child_id": child.child_id,
              "measured_on": iso(day), "commune_code": code, "weight_kg": round(max(weight, 1.0), 1),
              "length_height_cm": round(max(height, 40.0), 1),
              "position": "lying" if months < 24 else "standing"}
    return Call("health", "record_growth", record, arrival(rng, day))


def days_each_year(month_day: tuple[int, int], last: date) -> list[date]:
    return [date(year, *month_day) for year in range(RECORDS_FROM.year, last.year + 1)
            if RECORDS_FROM <= date(year, *month_day) <= last]


def growth(rng: random.Random, child: Child, z: tuple[float, float], prefix: str, last: date,
           units: AdminUnits) -> list[Call]:
    made, share = [], child.home.rate(0.9, 0.6)
    for campaign in sorted(d for md in WEIGHING_DAYS for d in days_each_year(md, last)):
        day = campaign + timedelta(days=rng.randint(0, 14))
        if child.born < day <= last and epi.age_in_months(child.born, day) < 60 and rng.random() < share:
            made.append(measurement(rng, child, day, z, prefix, units))
    return made


def checks(rng: random.Random, child: Child, z: tuple[float, float], prefix: str, last: date,
           units: AdminUnits) -> list[Call]:
    made, share = [], child.home.rate(0.85, 0.45)
    for season in days_each_year(CHECK_SEASON, last):
        day = season + timedelta(days=rng.randint(0, 260))
        if day > last or not 36 <= epi.age_in_months(child.born, day) < 108 or rng.random() >= share:
            continue
        code = child.place_on(day).code_on(day, units)
        made.append(Call("health", "record_health_check", {
            "record_id": f"{prefix}-check-{child.n}-{season.year}", "child_id": child.child_id,
            "checked_on": iso(day), "commune_code": code}, arrival(rng, day)))
        if epi.age_in_months(child.born, day) >= 60 and rng.random() < 0.7:
            made.append(measurement(rng, child, day, z, prefix, units))
        made += screenings(rng, child, day, code, f"{prefix}-screen-{child.n}-{season.year}")
    return made


def screenings(rng: random.Random, child: Child, day: date, code: str, record_id: str) -> list[Call]:
    draw = rng.random()
    kind, result = (("disability", "confirmed") if draw < 0.003 else ("disability", "suspected")
                    if draw < 0.013 else (rng.choice(["development", "hearing", "vision"]), "normal")
                    if draw < 0.3 else (None, None))
    if kind is None:
        return []
    return [Call("health", "record_screening", {
        "record_id": record_id, "child_id": child.child_id, "kind": kind,
        "result": result, "screened_on": iso(day), "commune_code": code}, arrival(rng, day))]


def voids(rng: random.Random, made: list[Call]) -> list[Call]:
    return [Call("health", "void_record", {"record_id": call.record["record_id"], "reason": VOID_REASON},
                 call.arrives + timedelta(days=rng.randint(1, 60)))
            for call in made if call.method == "record_vaccination" and rng.random() < VOID_SHARE]


def calls(rng: random.Random, child: Child, prefix: str, as_of: date, units: AdminUnits) -> list[Call]:
    last = min(as_of, child.died_on or as_of)
    z = (rng.gauss(child.home.rate(-0.5, -1.7), 1.0), rng.gauss(child.home.rate(0.0, -0.5), 0.9))
    made = vaccinations(rng, child, prefix, last, units)
    made += growth(rng, child, z, prefix, last, units) + checks(rng, child, z, prefix, last, units)
    return made + voids(rng, made)
