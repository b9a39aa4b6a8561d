"""Breakdowns and places on the real RabbitMQ and PostgreSQL: a dozen children of Lai Châu read by the
reporting service, broken down by sex, age band, ethnicity and poverty with exact counts, each
breakdown adding up to its total, a small group typed as suppressed, an unknown breakdown refused;
and a report across 1 July 2025 on the new map equal to the sum of its old communes."""

from datetime import date, timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from shared.exceptions import ValidationFailed
from shared.rules.admin_units import admin_units
from tests.support.factories import make_birth_envelope
from tests.support.hooks import call

AS_OF = "2024-12-31"
CITY, QUYET_TIEN, TAN_PHONG = "105", "03388", "03386"  # Lai Châu city and two of its communes (legacy)
# (sex, born, ethnicity, poverty, commune, days to registration)
CHILDREN = [
    ("male", "2024-03-01", "Kinh", "poor", QUYET_TIEN, 20),
    ("female", "2023-06-10", "kinh", "none", QUYET_TIEN, 20),
    ("male", "2022-01-01", "KINH", "none", QUYET_TIEN, 20),  # 2 on as_of: 0-2
    ("female", "2021-12-31", "Việt", "near_poor", QUYET_TIEN, 20),  # 3 on as_of: 3-5
    ("male", "2020-05-01", "Kinh", "none", QUYET_TIEN, 20),
    ("female", "2024-06-01", "Thái", "poor", QUYET_TIEN, 90),  # registered late
    ("male", "2023-01-15", "H'Mông", "poor", QUYET_TIEN, 20),
    ("female", "2022-08-01", "Dao", "near_poor", QUYET_TIEN, 20),
    ("female", "2021-03-01", "Thái", "none", QUYET_TIEN, 20),
    ("male", "2020-01-01", "Giáy", "poor", QUYET_TIEN, 20),
    ("male", "2017-02-01", None, "none", QUYET_TIEN, 20),  # 7: 6-8
    ("female", "2016-01-01", "Dao", "poor", TAN_PHONG, 20),  # 8: 6-8
]


def send(reporting, envelope: dict) -> None:
    with entrypoint_waiter(reporting, f"handle_registry_{envelope['event_type']}"):
        event_dispatcher(reporting.config)("registry", envelope["event_type"], envelope)


def birth(sex: str, born: str, ethnicity: str | None, poverty: str, commune: str, days: int) -> dict:
    registered = date.fromisoformat(born) + timedelta(days=days)
    return make_birth_envelope(sex=sex, date_of_birth=born, registration_date=registered.isoformat(),
                               ethnicity=ethnicity, household_poverty=poverty, commune_code=commune)


@pytest.fixture
def city(reporting_container):
    for child in CHILDREN:
        send(reporting_container, birth(*child))
    return reporting_container


def numbers(breakdown: dict, indicator: str, part: str = "numerator") -> dict:
    return {group: figures[indicator][part] for group, figures in breakdown["figures"].items()}


def test_the_city_broken_down_by_sex_age_ethnicity_and_poverty_gives_the_hand_counts(city):
    report = call(city, "indicators", CITY, AS_OF, "2024", by=["sex", "age_band", "ethnicity", "poverty"])
    by = report["breakdowns"]
    assert report["indicators"]["under5_registered"]["numerator"] == 10
    assert numbers(by["sex"], "under5_registered") == {"male": 5, "female": 5, "unknown": 0}
    assert numbers(by["age_band"], "under5_registered") == {"0-2": 6, "3-5": 4, "6-8": 0, "older": 0}
    assert numbers(by["ethnicity"], "under5_registered") == {"kinh": 5, "minority": 5, "unknown": 0}
    assert numbers(by["poverty"], "under5_registered") == {"poor": 4, "near_poor": 2, "none": 4, "unknown": 0}
    assert numbers(by["age_band"], "health_check_3_8", "denominator") == {
        "0-2": 0, "3-5": 4, "6-8": 2, "older": 0}
    on_time = {group: found["birth_registration_on_time"] for group, found in by["sex"]["figures"].items()}
    assert on_time == {
        "male": {"numerator": 1, "denominator": 1, "value": 1.0},
        "female": {"numerator": 0, "denominator": 1, "value": 0.0},
        "unknown": {"numerator": 0, "denominator": 0, "value": None}}


def test_every_breakdown_of_the_city_adds_up_to_its_total(city):
    report = call(city, "indicators", CITY, AS_OF, by=["sex", "age_band", "ethnicity", "poverty",
                                                       "disability"])
    checked = 0
    for name, breakdown in report["breakdowns"].items():
        for indicator, total in report["indicators"].items():
            parts = [breakdown["figures"][group].get(indicator) for group in breakdown["groups"]]
            if parts[0] is None or any("suppressed" in part for part in parts):
                continue
            assert (name, indicator, sum(p["numerator"] for p in parts)) == (
                name, indicator, total["numerator"])
            assert (name, indicator, sum(p["denominator"] or 0 for p in parts)) == (
                name, indicator, total["denominator"] or 0)
            checked += 1
    assert checked > 4 * 20


def test_a_small_ethnic_group_is_typed_as_suppressed_not_a_string_in_place_of_a_number(city):
    report = call(city, "indicators", CITY, AS_OF, by=["ethnicity"])
    checks = {group: figures["health_check_3_8"]
              for group, figures in report["breakdowns"]["ethnicity"]["figures"].items()}
    assert checks["kinh"] == {"numerator": 0, "denominator": None, "value": None,
                              "suppressed": {"denominator": "<5"}}
    assert report["indicators"]["health_check_3_8"] == {"numerator": 0, "denominator": 6, "value": 0.0}


def test_an_unknown_breakdown_is_refused_naming_by(reporting_container):
    with pytest.raises(ValidationFailed) as refused:
        call(reporting_container, "indicators", CITY, AS_OF, by=["sex", "religion"])
    assert refused.value.errors == {"by": [
        "Unknown breakdown religion: must be among commune, district, sex, age_band, ethnicity, "
        "poverty, disability."]}


def test_a_legacy_province_is_broken_down_by_district(city):
    report = call(city, "indicators", "12", AS_OF, by=["district"])
    districts = {d["code"]: d["indicators"]["under5_registered"]["numerator"] for d in report["districts"]}
    assert (districts["105"], sum(districts.values()), len(districts)) == (10, 10, 8)


# Đoàn Kết (03388 on the 2025 map) merged these legacy communes of Lai Châu (03391 from Phong Thổ);
# Yên Định (00988, Hà Giang) was split: it goes to its default successor (Tuyên Quang's 00700).
MERGED = {"03386": 2, "03389": 1, "03403": 1, "03391": 1}
SPLIT, SPLIT_DEFAULT = "00988", "00700"
SUMMED = ("birth_registration_on_time", "under5_registered", "under6_insurance_card_coverage",
          "growth_monitoring_under5")


@pytest.fixture
def merged(reporting_container):
    n = 0
    for commune, births in {**MERGED, SPLIT: 1}.items():
        for _ in range(births):
            n += 1
            send(reporting_container, birth("female" if n % 2 else "male", f"2025-0{n % 5 + 1}-10", "Kinh",
                                            "none", commune, 20 if n % 3 else 75))
    return reporting_container


def parts(report: dict) -> dict:
    return {key: (report["indicators"][key]["numerator"], report["indicators"][key]["denominator"])
            for key in SUMMED}


def added(reports: list[dict]) -> dict:
    return {key: (sum(parts(r)[key][0] for r in reports),
                  None if parts(reports[0])[key][1] is None else sum(parts(r)[key][1] for r in reports))
            for key in SUMMED}


def test_a_report_across_1_july_2025_on_the_new_map_equals_the_sum_of_its_old_communes(merged):
    units = admin_units()
    assert {units.legacy_to_current[c] for c in MERGED} == {"03388"}
    old = [call(merged, "indicators", code, "2025-06-30", "2025-H1") for code in MERGED]
    new = call(merged, "indicators", "03388", "2025-12-31", "2025")
    assert (new["area"]["map"], new["period"]) == ("2025", {"start": "2025-01-01", "end": "2025-12-31"})
    assert parts(new) == added(old)
    assert (parts(new)["birth_registration_on_time"], parts(new)["under5_registered"]) == ((4, 5), (5, None))
    province_old = call(merged, "indicators", "12", "2025-06-30", "2025-H1")
    province_new = call(merged, "indicators", "12", "2025-12-31", "2025")
    assert parts(province_new) == parts(province_old) == added(old)


def test_a_child_of_a_split_legacy_commune_counts_in_its_default_new_commune(merged):
    assert admin_units().legacy_to_current[SPLIT] == SPLIT_DEFAULT
    old = call(merged, "indicators", SPLIT, "2025-06-30", "2025-H1")
    new = call(merged, "indicators", SPLIT_DEFAULT, "2025-12-31", "2025")
    assert parts(new) == parts(old)
    assert parts(new)["under5_registered"] == (1, None)
