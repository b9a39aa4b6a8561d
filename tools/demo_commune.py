"""The demo's synthetic commune: what ``make demo`` records through each sector's RPCs, and its hand count.

Thirteen children of Phường Đoàn Kết (Lai Châu; code 03388 on both maps), each written so that a
person can count the indicators by hand for 30 June 2026: births and cards (``EXPECTED``) and three
enrolments in school year 2025-2026 (``EXPECTED_EDUCATION``). Every record has a fixed
``record_id``, so loading twice stores nothing new. ``*_EVENT_COUNT`` is how many events each sector
publishes for reporting to apply.
"""

from typing import Any

DEMO_AS_OF = "2026-06-30"
DEMO_AREA = "03388"
PROVINCE = "12"  # Tỉnh Lai Châu
SCHOOL_YEAR = "2025-2026"
KINDERGARTEN = f"MG-{DEMO_AREA}"

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

# What the summary checks, sector by sector
CHECKED = {"registry": EXPECTED, "education": EXPECTED_EDUCATION}
ALL_EVENTS = EVENT_COUNT + EDUCATION_EVENT_COUNT


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
            "commune_code": DEMO_AREA, "ethnicity": "Thái", "household_poverty": "none"})
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
