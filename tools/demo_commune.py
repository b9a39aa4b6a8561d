"""The demo's synthetic commune: what ``make demo`` records through each sector's RPCs, and its hand count.

Thirteen children of Phường Đoàn Kết (Lai Châu; code 03388 on both maps), each written so that a
person can count the indicators by hand for 30 June 2026: births and cards (``EXPECTED``), three
enrolments in school year 2025-2026 (``EXPECTED_EDUCATION``), one child's infant vaccinations, five
growth measurements and two health checks (``EXPECTED_HEALTH``), and one child in a special
circumstance with an allowance and one protection case (``EXPECTED_PROTECTION``: as the report shows
them, small-cell suppressed). Every record has a fixed ``record_id``, so loading twice stores
nothing new. ``*_EVENT_COUNT`` is how many events each sector publishes for reporting to apply.
"""

from typing import Any

DEMO_AS_OF = "2026-06-30"
DEMO_AREA = "03388"
PROVINCE = "12"  # Tỉnh Lai Châu
SCHOOL_YEAR = "2025-2026"
KINDERGARTEN = f"MG-{DEMO_AREA}"
FACILITY = f"TYT-{DEMO_AREA}"  # the commune health station

# (n, sex, born, registered, card valid_to or None, extra) -- see the hand count in EXPECTED
CHILDREN: list[tuple[int, str, str, str, str | None, dict]] = [
    (1, "female", "2026-01-05", "2026-02-10", "2031-09-30", {}),  # on time (36 d), card
    (2, "male", "2026-02-01", "2026-05-01", "2031-09-30", {}),  # late (89 d), card
    (3, "female", "2026-03-15", "2026-04-20", None, {}),  # on time, no card
    (4, "male", "2026-05-20", "2026-06-10", "2032-05-31", {}),  # on time, card
    (5, "female", "2026-06-01", "2026-07-15", None, {}),  # registered after 30 June: not counted
    (6, "male", "2025-03-10", "2025-04-01", "2031-09-30", {}),  # under 5, card
    (7, "female", "2022-08-08", "2022-08-20", "2026-03-31", {}),  # under 5, card expired
    (8, "male", "2021-06-30", "2021-07-05", "2027-09-30", {}),  # turns 5 on 30 June: under 6 only
    (9, "female", "2020-07-01", "2020-07-02", None, {}),  # 5 years old: under 6, no card
    (10, "male", "2020-06-30", "2020-07-10", None, {}),  # turns 6 on 30 June: in neither
    (11, "female", "2024-09-09", "2024-09-30", None, {"died": "2026-01-15"}),
    (12, "male", "2026-04-04", "2026-04-30", None, {"moved_to": ("00004", "2026-05-15")}),
    (13, "female", "2025-10-10", "2025-10-20", "2031-09-30", {"voided": True}),
]

# Counted by hand from CHILDREN for area 03388 on 2026-06-30 (period 1 Jan - 30 Jun 2026):
# births in period registered by 30 June and living here: 1, 2, 3, 4 -> on time: 1, 3, 4;
# under 5 (born after 30 Jun 2021, alive, registered): 1, 2, 3, 4, 6, 7;
# under 6 (born after 30 Jun 2020): those six + 8, 9 -> valid card on 30 June: 1, 2, 4, 6, 8.
EXPECTED = {
    "birth_registration_on_time": {"numerator": 3, "denominator": 4, "value": 0.75},
    "under5_registered": {"numerator": 6, "denominator": None, "value": 6},
    "under6_insurance_card_coverage": {"numerator": 5, "denominator": 8, "value": 0.625},
}
EVENT_COUNT = 13 + 7 + 1 + 1 + 1  # births, cards, death, move, void

# (n, level, start) in school year 2025-2026, at the commune's schools
ENROLMENTS: list[tuple[int, str, str]] = [(6, "creche", "2025-09-05"), (8, "kindergarten", "2025-09-05"),
                                          (9, "kindergarten", "2025-09-05")]
# School year 2025-2026 on 30 June 2026: creche ages (3-36 months): 1, 2, 3, 6 -> enrolled 6;
# kindergarten by birth year (born 2020-2022): 7, 8, 9, 10 -> enrolled 8, 9; age 5 (born 2020): 9, 10
# -> enrolled 9; nobody born 2017-2019, so no grade-1 cohort and no school-age child.
EXPECTED_EDUCATION = {
    "creche_enrolment_3_36m": {"numerator": 1, "denominator": 4, "value": 0.25},
    "kindergarten_enrolment_3_5": {"numerator": 2, "denominator": 4, "value": 0.5},
    "preschool_enrolment_age5": {"numerator": 1, "denominator": 2, "value": 0.5},
    "grade1_entry_on_time": {"numerator": 0, "denominator": 0, "value": None},
    "inclusive_education_3_8": {"numerator": 0, "denominator": 0, "value": None},
    "out_of_school_6_8": {"numerator": 0, "denominator": 0, "value": None},
}
EDUCATION_EVENT_COUNT = len(ENROLMENTS)

# (n, antigen, dose, given_on): child 6's infant series, each dose at or after its minimum age and
# interval (shared/rules/data/epi_schedule.yaml), measles at 9 months; no IPV.
VACCINATIONS: list[tuple[int, str, int, str]] = [
    (6, "hepb_birth", 1, "2025-03-10"), (6, "bcg", 1, "2025-03-10"),
    (6, "dtp_hepb_hib", 1, "2025-05-12"), (6, "opv", 1, "2025-05-12"),
    (6, "dtp_hepb_hib", 2, "2025-06-10"), (6, "opv", 2, "2025-06-10"),
    (6, "dtp_hepb_hib", 3, "2025-07-10"), (6, "opv", 3, "2025-07-10"),
    (6, "measles", 1, "2025-12-12"),
]
# (n, measured_on, weight_kg, length_height_cm, position): WHO z-scores in the comments
GROWTH: list[tuple[int, str, float, float, str]] = [
    (1, "2026-04-06", 5.8, 60.0, "lying"),  # length-for-age +0.11
    (2, "2026-05-04", 6.3, 61.5, "lying"),  # 0.00
    (6, "2026-03-12", 9.5, 75.5, "lying"),  # -0.13
    (7, "2026-05-20", 12.8, 92.0, "standing"),  # -2.18: stunted (not severely: -3)
    (9, "2026-05-20", 17.0, 108.0, "standing"),  # WHO 2007 (5 years and more): -1.27
]
HEALTH_CHECKS: list[tuple[int, str]] = [(8, "2026-05-20"), (9, "2026-05-20")]
# Period 1 Jan - 30 Jun 2026. Turning 12 months in it (born 1 Jan - 30 Jun 2025): 6 only, who had
# BCG, 3 pentavalent, 3 OPV and measles before his first birthday -> fully immunised 1 of 1, no IPV
# (0 of 1), no dropout between pentavalent 1 and 3 (0 of 1); under 5 (1, 2, 3, 4, 6, 7) measured
# in the period: 1, 2, 6, 7, of whom 7 is stunted; 5-8 years measured: 9, not stunted; aged 3-8
# (born 1 Jul 2017 - 30 Jun 2023, alive): 7, 8, 9, 10 -> checked 8, 9.
EXPECTED_HEALTH = {
    "fully_immunised_by_12m": {"numerator": 1, "denominator": 1, "value": 1.0},
    "coverage_bcg_1": {"numerator": 1, "denominator": 1, "value": 1.0},
    "coverage_measles_1": {"numerator": 1, "denominator": 1, "value": 1.0},
    "coverage_ipv_1": {"numerator": 0, "denominator": 1, "value": 0.0},
    "dtp_hepb_hib_dropout_1_to_3": {"numerator": 0, "denominator": 1, "value": 0.0},
    "growth_monitoring_under5": {"numerator": 4, "denominator": 6, "value": 0.6667},
    "stunting_under5": {"numerator": 1, "denominator": 4, "value": 0.25},
    "stunting_5_8": {"numerator": 0, "denominator": 1, "value": 0.0},
    "health_check_3_8": {"numerator": 2, "denominator": 4, "value": 0.5},
}
HEALTH_EVENT_COUNT = len(VACCINATIONS) + len(GROWTH) + len(HEALTH_CHECKS)

# Child 7 (3 years old) is orphaned of both parents (Law on Children art. 10, group a) from 1 February
# and paid the Decree 20/2021 allowance for children under 4 without support from 1 March; child 8
# is a case of neglect opened on 10 April, with a support plan 4 days later.
SPECIAL_CIRCUMSTANCE = (7, ["a"], "2026-02-01")
ALLOWANCE = (7, "no_support_under_4", 2.5, "2026-03-01")
CASE = (8, "demo-case-8", "2026-04-10", "support", ["neglect"], "medium")
CASE_PLAN = ("2026-04-14", ["family_support"])
# Children 0-8 on 30 June: 1, 2, 3, 4, 6, 7, 8, 9, 10 (9). In a special circumstance: 7 (group a, one
# of the groups the allowance covers), supported by the allowance; cases opened in the period: 1, with
# its plan within 7 days. Every count from 1 to 4 is hidden (null, marked "<5" in ``suppressed``), and
# a share of two hidden counts has no value: that is what the report shows, so that is what is expected.
HIDDEN = "<5"
SHARE_OF_HIDDEN = {"numerator": None, "denominator": None, "value": None,
                   "suppressed": {"numerator": HIDDEN, "denominator": HIDDEN}}
HIDDEN_OF_9 = {"numerator": None, "denominator": 9, "value": None, "suppressed": {"numerator": HIDDEN}}
EXPECTED_PROTECTION = {
    "special_circumstances_0_8": HIDDEN_OF_9,
    "special_circumstances_a_0_8": HIDDEN_OF_9,
    "special_circumstances_supported": SHARE_OF_HIDDEN,
    "allowance_coverage": SHARE_OF_HIDDEN,
    "protection_cases_opened": {"numerator": None, "denominator": None, "value": None,
                                "suppressed": {"numerator": HIDDEN, "value": HIDDEN}},
    "protection_plan_within_7d": SHARE_OF_HIDDEN,
}
PROTECTION_EVENT_COUNT = 4  # special circumstance, allowance, case opened, case updated

# What the summary checks, sector by sector
CHECKED = {"registry": EXPECTED, "education": EXPECTED_EDUCATION, "health": EXPECTED_HEALTH,
           "protection": EXPECTED_PROTECTION}
ALL_EVENTS = EVENT_COUNT + EDUCATION_EVENT_COUNT + HEALTH_EVENT_COUNT + PROTECTION_EVENT_COUNT


def child_id(n: int) -> str:
    """Child ``n``'s 12-digit personal id (Lai Châu, century and sex, year of birth, serial)."""
    _, sex, born, *_ = CHILDREN[n - 1]
    year = int(born[:4])
    century_sex = (year // 100 - 19) * 2 + (1 if sex == "female" else 0)
    return f"012{century_sex}{year % 100:02d}{900000 + n:06d}"


def figures(indicators: dict, expected: dict) -> dict:
    """The report's figures for the indicators of ``expected`` (None for one it lacks)."""
    return {key: indicators.get(key) for key in expected}


def load(registry: Any) -> None:
    """Send every demo record to the registry (idempotent: a second run stores nothing new)."""
    for n, sex, born, registered, valid_to, extra in CHILDREN:
        cid = child_id(n)
        registry.register_birth({
            "record_id": f"demo-birth-{n}", "child_id": cid, "full_name": f"Demo child {n}",
            "sex": sex, "date_of_birth": born, "registration_date": registered,
            "commune_code": DEMO_AREA, "ethnicity": "Thái", "household_poverty": "none",
            "carer_name": f"Demo carer {n}", "village": f"Tổ dân phố {n % 3 + 1}"})
        if valid_to:
            registry.issue_insurance_card({
                "record_id": f"demo-card-{n}", "child_id": cid, "card_number": f"TE12{n:011d}",
                "issued_on": registered, "valid_to": valid_to})
        if "died" in extra:
            registry.record_death({"record_id": f"demo-death-{n}", "child_id": cid,
                                   "date_of_death": extra["died"]})
        if "moved_to" in extra:
            commune, moved_on = extra["moved_to"]
            registry.change_residence({"record_id": f"demo-move-{n}", "child_id": cid,
                                       "commune_code": commune, "moved_on": moved_on})
        if extra.get("voided"):
            registry.void_record(f"demo-birth-{n}", "registered twice (demo)")


def load_education(education: Any) -> None:
    """Send the demo's enrolments to education (idempotent, like ``load``)."""
    for n, level, start in ENROLMENTS:
        education.record_enrolment({
            "record_id": f"demo-enrol-{n}", "child_id": child_id(n),
            "school_code": f"NT-{DEMO_AREA}" if level == "creche" else KINDERGARTEN, "level": level,
            "school_year": SCHOOL_YEAR, "start_date": start, "commune_code": DEMO_AREA})


def load_health(health: Any) -> None:
    """Send the demo's vaccinations, measurements and checks to health (idempotent, like ``load``)."""
    for n, antigen, dose, given_on in VACCINATIONS:
        health.record_vaccination({
            "record_id": f"demo-vacc-{n}-{antigen}-{dose}", "child_id": child_id(n), "antigen": antigen,
            "dose": dose, "given_on": given_on, "commune_code": DEMO_AREA, "facility_code": FACILITY})
    for n, measured_on, weight, height, position in GROWTH:
        health.record_growth({
            "record_id": f"demo-growth-{n}-{measured_on}", "child_id": child_id(n),
            "measured_on": measured_on, "commune_code": DEMO_AREA, "weight_kg": weight,
            "length_height_cm": height, "position": position})
    for n, checked_on in HEALTH_CHECKS:
        health.record_health_check({"record_id": f"demo-check-{n}-{checked_on}", "child_id": child_id(n),
                                    "checked_on": checked_on, "commune_code": DEMO_AREA})


def load_protection(protection: Any) -> None:
    """Send the demo's special circumstance, allowance and case to protection (idempotent)."""
    n, groups, started_on = SPECIAL_CIRCUMSTANCE
    protection.record_special_circumstance({
        "record_id": f"demo-circumstance-{n}", "child_id": child_id(n), "groups": groups,
        "started_on": started_on, "commune_code": DEMO_AREA})
    n, category, coefficient, started_on = ALLOWANCE
    protection.grant_allowance({
        "record_id": f"demo-allowance-{n}", "child_id": child_id(n), "category": category,
        "coefficient": coefficient, "started_on": started_on, "commune_code": DEMO_AREA})
    n, case_id, opened_on, level, concerns, risk = CASE
    protection.open_case({
        "record_id": f"{case_id}-opened", "case_id": case_id, "child_id": child_id(n),
        "opened_on": opened_on, "commune_code": DEMO_AREA, "level": level, "concerns": concerns,
        "risk": risk})
    plan_on, services = CASE_PLAN
    protection.update_case({"record_id": f"{case_id}-plan", "case_id": case_id, "updated_on": plan_on,
                            "plan_on": plan_on, "services": services})
