"""The headline (the age-appropriate package, BRIEF section 9 indicator 1) on the real RabbitMQ and
PostgreSQL: eleven children recorded through every sector's RPCs, the composite and each component
against a hand count for a commune, its legacy district and its province, and the commune's list of
children missing a component, for its officers only (the protected component for its protection
officer only).

On 31 May 2025 (legacy map; period 1 January - 31 May 2025; school year 2024-2025), in Lai Châu; a dose
is due once 28 days have passed since its due age (its minimum age where it has none). B's birth is
registered late but before 1 July 2025, so its residence is placed on the legacy map (one registered
after that day is placed on the 2025 map only, and counts on dates of that map):

    03388  born        age       what the sectors hold                          misses
      A    2025-01-10  4 m       card, BCG + DTP/OPV x3, measured               -
      B    2025-02-01  3 m       registered 20/06/2025 (late): nothing else     birth reg., card, EPI, growth
      C    2023-03-01  2 y 2 m   card expired 31/03/2025, measured              card
      D    2021-03-15  4 y 2 m   card, measured, checked, kindergarten,         -
                                 special circumstance with an allowance
      E    2019-05-20  6 y 0 m   kindergarten (5 by birth year),                health check, supported
                                 special circumstance, no support
      F    2017-09-01  7 y 8 m   grade 2, checked, open case without services   supported
      G    2018-04-10  7 y 1 m   checked, not enrolled, referred 01/04,         enrolled, referral
                                 overdue on 31/05
      H    2024-07-01  10 m      card, measured, every infant dose but measles  EPI
                                 (due at 9 m), referred 20/05: not overdue
      I    2016-05-01  9 y 0 m   (not 0-8)
      J    2022-01-01  died 01/03/2025
    03391
      K    2020-08-01  4 y 9 m   nothing                                        card, growth, check, enrolled

Components that apply (met / due), commune 03388 (A-H, 8 children):
    birth registered 7/8 (B); card (under 6: A B C D H) 3/5; EPI (under 2: A B H) 1/3 (A);
    growth (under 5: A B C D H) 4/5; health check (3-8: D E F G) 3/4; enrolled (by birth year 3-5: D E;
    6-8: F G) 3/4; supported (D E F) 1/3, shown <5 (protection data); referral (G H) 1/2.
    Covered: A and D = 2/8, but F fails ONLY "supported": 8 - 5 listed - 2 would give F away, so the
    composite's numerator is hidden (x) wherever such children are 1-4. Once F's case has services,
    F is covered: 3/8, shown.
Province 12 adds K: 9 children, birth registered 8/9, card 3/6, EPI 1/3, growth 4/6, check 3/5,
    enrolled 3/5, supported <5, referral 1/2, covered 2/9.
"""

import pytest
import requests
from nameko.testing.services import entrypoint_waiter

from shared.exceptions import Forbidden, ValidationFailed
from tests.support import figures
from tests.support.factories import (
    make_allowance,
    make_birth,
    make_card,
    make_case,
    make_case_update,
    make_death,
    make_enrolment,
    make_growth,
    make_health_check,
    make_referral,
    make_special_circumstance,
    make_token,
    make_vaccination,
)
from tests.support.hooks import call, write_and_wait
from tests.support.identities import bearer

AS_OF, PERIOD = "2025-05-31", {"start": "2025-01-01", "end": "2025-05-31"}
COMMUNE_OFFICER = make_token("commune_officer", user_id="commune-officer-1", purpose="package follow-up")
PROTECTION_OFFICER = make_token(user_id="protection-officer-1")  # of 03388
OUTSIDER = make_token("commune_officer", communes=("03391",), user_id="officer-of-03391")
AUDITOR = make_token("auditor", communes=(), user_id="auditor-1", purpose="quarterly audit")
HEALTH_EVENTS = {"record_vaccination": "vaccination_recorded", "record_growth": "growth_measured",
                 "record_health_check": "health_check_recorded", "refer_child": "referral_sent"}
PROTECTION_EVENTS = {"record_special_circumstance": "special_circumstance_recorded",
                     "grant_allowance": "allowance_granted", "open_case": "case_opened",
                     "update_case": "case_updated"}


class Province:
    """Writes through each sector's RPCs, each awaited until reporting (and the followers) applied it."""

    def __init__(self, registry, health, education, protection, reporting):
        self.registry, self.health, self.education = registry, health, education
        self.protection, self.reporting = protection, reporting

    def register(self, method: str, record: dict, event: str) -> None:
        followers = (self.health, self.education, self.protection, self.reporting)
        write_and_wait(self.registry, method, [record], [(c, f"handle_registry_{event}") for c in followers])

    def child(self, name: str, born: str, registered: str | None = None, commune: str = "03388") -> str:
        birth = make_birth(date_of_birth=born, registration_date=registered or born, full_name=f"Trẻ {name}",
                           commune_code=commune)
        self.register("register_birth", birth, "birth_registered")
        return birth["child_id"]

    def card(self, child_id: str, issued_on: str, valid_to: str) -> None:
        self.register("issue_insurance_card", make_card(child_id, issued_on=issued_on, valid_to=valid_to),
                      "insurance_card_issued")

    def health_record(self, method: str, record: dict) -> None:
        handler = f"handle_health_{HEALTH_EVENTS[method]}"
        write_and_wait(self.health, method, [record], [(self.reporting, handler)])

    def enrol(self, record: dict) -> None:
        write_and_wait(self.education, "record_enrolment", [record],
                       [(self.reporting, "handle_education_enrolment_recorded")])

    def protect(self, method: str, record: dict) -> None:
        with entrypoint_waiter(self.reporting, f"handle_protection_{PROTECTION_EVENTS[method]}"):
            call(self.protection, method, record)


def doses(child_id: str, bcg: str, series: list[str], ipv: str | None = None) -> list[dict]:
    found = [make_vaccination(child_id, antigen="bcg", given_on=bcg)]
    found += [make_vaccination(child_id, antigen=antigen, dose=n, given_on=day)
              for antigen in ("dtp_hepb_hib", "opv") for n, day in enumerate(series, start=1)]
    return found + ([make_vaccination(child_id, antigen="ipv", given_on=ipv)] if ipv else [])


@pytest.fixture
def children(registry_container, health_container, education_container, protection_container,
             reporting_container) -> dict[str, str]:
    p = Province(registry_container, health_container, education_container, protection_container,
                 reporting_container)
    ids = {"A": p.child("A", "2025-01-10"), "B": p.child("B", "2025-02-01", registered="2025-06-20"),
           "C": p.child("C", "2023-03-01"), "D": p.child("D", "2021-03-15"), "E": p.child("E", "2019-05-20"),
           "F": p.child("F", "2017-09-01"), "G": p.child("G", "2018-04-10"), "H": p.child("H", "2024-07-01"),
           "I": p.child("I", "2016-05-01"), "J": p.child("J", "2022-01-01"),
           "K": p.child("K", "2020-08-01", commune="03391")}
    p.register("record_death", make_death(ids["J"], date_of_death="2025-03-01"), "death_recorded")
    for name, issued, valid_to in (("A", "2025-01-20", "2031-01-09"), ("C", "2023-03-15", "2025-03-31"),
                                   ("D", "2021-04-01", "2027-03-14"), ("H", "2024-07-10", "2030-06-30")):
        p.card(ids[name], issued, valid_to)
    for dose in [*doses(ids["A"], "2025-01-10", ["2025-03-12", "2025-04-12", "2025-05-12"]),
                 *doses(ids["H"], "2024-07-01", ["2024-09-01", "2024-10-01", "2024-11-01"], "2024-12-01")]:
        p.health_record("record_vaccination", dose)
    for name, day, kg, cm, position in (("A", "2025-05-01", 6.4, 62.0, "lying"),
                                        ("C", "2025-02-15", 11.5, 86.0, "lying"),
                                        ("D", "2025-03-01", 16.0, 102.0, "standing"),
                                        ("H", "2025-05-25", 8.7, 73.0, "lying")):
        p.health_record("record_growth", make_growth(ids[name], measured_on=day, weight_kg=kg,
                                                     length_height_cm=cm, position=position))
    for name, day in (("D", "2025-04-01"), ("F", "2025-05-10"), ("G", "2025-02-01")):
        p.health_record("record_health_check", make_health_check(ids[name], checked_on=day))
    p.enrol(make_enrolment(ids["D"]))
    p.enrol(make_enrolment(ids["E"]))
    p.enrol(make_enrolment(ids["F"], level="primary", grade=2, school_code="TH-03388"))
    for name in ("D", "E"):
        p.protect("record_special_circumstance",
                  make_special_circumstance(ids[name], started_on="2024-10-01"))
    p.protect("grant_allowance", make_allowance(ids["D"]))
    case = make_case(ids["F"])
    p.protect("open_case", case)
    ids["case of F"] = case["case_id"]
    p.health_record("refer_child", make_referral(ids["G"], reason="not_enrolled", referred_on="2025-04-01"))
    p.health_record("refer_child", make_referral(ids["H"], referred_on="2025-05-20"))
    return ids


def share(numerator, denominator):
    return {"numerator": numerator, "denominator": denominator, "value": round(numerator / denominator, 4)}


def hidden(numerator, denominator):
    """A figure whose hidden counts are given by their marks (``<5``, ``x``)."""
    return figures.share(numerator, denominator, None)


def package_figures(indicators: dict) -> dict:
    return {key: figure for key, figure in indicators.items() if key.startswith("package_")}


SUPPRESSED = hidden("<5", "<5")


def test_the_headline_and_each_component_equal_the_hand_count_for_the_commune_and_its_province(
        children, reporting_container):
    commune = call(reporting_container, "indicators", "03388", AS_OF, PERIOD)["indicators"]
    district = call(reporting_container, "indicators", "105", AS_OF, PERIOD)["indicators"]
    province = call(reporting_container, "indicators", "12", AS_OF, PERIOD)["indicators"]
    assert package_figures(district) == package_figures(commune)  # 03388's district: no other child
    assert package_figures(commune) == {
        "package_coverage_0_8": hidden("x", 8), "package_birth_registered": share(7, 8),
        "package_insurance_card": share(3, 5), "package_epi_up_to_date": share(1, 3),
        "package_growth_measured": share(4, 5), "package_health_check": share(3, 4),
        "package_enrolled": share(3, 4), "package_supported": SUPPRESSED,
        "package_referral_not_overdue": share(1, 2)}
    assert package_figures(province) == {
        "package_coverage_0_8": hidden("x", 9), "package_birth_registered": share(8, 9),
        "package_insurance_card": share(3, 6), "package_epi_up_to_date": share(1, 3),
        "package_growth_measured": share(4, 6), "package_health_check": share(3, 5),
        "package_enrolled": share(3, 5), "package_supported": SUPPRESSED,
        "package_referral_not_overdue": share(1, 2)}


def test_on_the_2025_map_two_months_later_the_ward_and_the_province_equal_a_hand_count(children,
                                                                                     reporting_container):
    """31 July 2025, period 1 January - 31 July (school year still 2024-2025), ward 03388 of the 2025
    map: legacy 03388 with 03391 (K), all 9 children, as the province. Two months on: A (6 m) now has
    IPV 1 due (5 m + 28 days) and missing; B is registered (20/06); H (12 m) misses measles and JE 1,
    and its referral of 20/05 (30 days) is overdue. Birth registered 9/9; card (A B C D H K) 3/6; EPI
    (A B H) 0/3; growth (A B C D H K) 4/6; check (D E F G K) 3/5; enrolled (D E K; F G) 3/5; supported
    <5; referral (G H) 0/2; covered: D only, and F still fails only "supported": x/9."""
    expected = {
        "package_coverage_0_8": hidden("x", 9), "package_birth_registered": share(9, 9),
        "package_insurance_card": share(3, 6), "package_epi_up_to_date": share(0, 3),
        "package_growth_measured": share(4, 6), "package_health_check": share(3, 5),
        "package_enrolled": share(3, 5), "package_supported": SUPPRESSED,
        "package_referral_not_overdue": share(0, 2)}
    period = {"start": "2025-01-01", "end": "2025-07-31"}
    for area in ("03388", "12"):
        report = call(reporting_container, "indicators", area, "2025-07-31", period)
        assert report["area"]["map"] == "2025"
        assert package_figures(report["indicators"]) == expected, area


def test_the_composite_shows_once_no_child_fails_only_the_protected_component(children, reporting_container,
                                                                              protection_container):
    with entrypoint_waiter(reporting_container, "handle_protection_case_updated"):
        call(protection_container, "update_case", make_case_update(children["case of F"],
                                                                    updated_on="2025-05-20"))
    commune = call(reporting_container, "indicators", "03388", AS_OF, PERIOD)["indicators"]
    assert commune["package_coverage_0_8"] == share(3, 8)  # A, D and now F


def listed(rows: list[dict], ids: dict[str, str]) -> list[tuple]:
    names = {child_id: name for name, child_id in ids.items()}
    return [(names[r["child_id"]], r["full_name"], r["date_of_birth"], r["age"], r["age_months"],
             r["missing"]) for r in rows]


def test_the_commune_officer_lists_the_children_missing_a_component_without_protection_data(
        children, reporting_container):
    rows = call(reporting_container, "children_missing_package", "03388", AS_OF, None, PERIOD,
                as_token=COMMUNE_OFFICER)
    assert listed(rows, children) == [  # oldest first; F misses only support: not listed here
        ("G", "Trẻ G", "2018-04-10", 7, 85, ["enrolled", "referral_not_overdue"]),
        ("E", "Trẻ E", "2019-05-20", 6, 72, ["health_check"]),
        ("C", "Trẻ C", "2023-03-01", 2, 26, ["insurance_card"]),
        ("H", "Trẻ H", "2024-07-01", 0, 10, ["epi_up_to_date"]),
        ("B", "Trẻ B", "2025-02-01", 0, 3, ["birth_registered", "insurance_card", "epi_up_to_date",
                                            "growth_measured"])]
    one = call(reporting_container, "children_missing_package", "03388", AS_OF, "insurance_card", PERIOD,
               as_token=COMMUNE_OFFICER)
    assert listed(one, children) == [("C", "Trẻ C", "2023-03-01", 2, 26, ["insurance_card"]),
                                     ("B", "Trẻ B", "2025-02-01", 0, 3, ["insurance_card"])]
    with pytest.raises(Forbidden):
        call(reporting_container, "children_missing_package", "03388", AS_OF, "supported", PERIOD,
             as_token=COMMUNE_OFFICER)


def test_the_protection_officer_of_the_commune_also_sees_who_is_not_supported(children, reporting_container):
    rows = call(reporting_container, "children_missing_package", "03388", AS_OF, None, PERIOD,
                as_token=PROTECTION_OFFICER)
    assert [(name, missing) for name, *_, missing in listed(rows, children)] == [
        ("F", ["supported"]), ("G", ["enrolled", "referral_not_overdue"]),
        ("E", ["health_check", "supported"]),
        ("C", ["insurance_card"]), ("H", ["epi_up_to_date"]),
        ("B", ["birth_registered", "insurance_card", "epi_up_to_date", "growth_measured"])]


def test_an_officer_of_another_commune_is_refused_and_every_list_read_is_audited(children,
                                                                                  reporting_container):
    with pytest.raises(Forbidden):
        call(reporting_container, "children_missing_package", "03388", AS_OF, as_token=OUTSIDER)
    call(reporting_container, "children_missing_package", "03388", AS_OF, as_token=COMMUNE_OFFICER)
    call(reporting_container, "children_missing_package", "03388", AS_OF, as_token=PROTECTION_OFFICER)
    log = call(reporting_container, "audit_log", as_token=AUDITOR)
    reads = [(e["user_id"], e["outcome"]) for e in log if e["action"] == "read_package_missing"]
    assert reads == [("protection-officer-1", "granted"), ("commune-officer-1", "withheld"),
                     ("officer-of-03391", "refused")]  # newest first


def test_the_list_downloads_as_csv_and_a_bad_query_names_its_field(children, reporting_container):
    port = reporting_container.config["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    url = f"http://127.0.0.1:{port}/package/missing"
    page = requests.get(url, params={"commune": "03388", "as_of": AS_OF, "component": "insurance_card"},
                        headers=bearer(COMMUNE_OFFICER), timeout=10)
    lines = page.content.decode("utf-8-sig").splitlines()
    assert (page.status_code, page.headers["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert lines == ["Mã trẻ (child_id),Họ tên (full_name),Ngày sinh (date_of_birth),Tuổi (age),"
                     "Tháng tuổi (age_months),Còn thiếu (missing)",
                     f"{children['C']},Trẻ C,01/03/2023,2,26,Có thẻ BHYT còn hạn (dưới 6 tuổi)",
                     f"{children['B']},Trẻ B,01/02/2025,0,3,Có thẻ BHYT còn hạn (dưới 6 tuổi)"]
    typed = requests.get(url, headers=bearer(COMMUNE_OFFICER), timeout=10, params={
        "commune": "03388", "as_of": "31/05/2025", "component": "insurance_card"})
    assert typed.content.decode("utf-8-sig").splitlines() == lines
    bad = requests.get(url, params={"commune": "12", "as_of": AS_OF}, headers=bearer(COMMUNE_OFFICER),
                       timeout=10)
    assert (bad.status_code, bad.text) == (
        400, "commune: Phải là mã xã gồm 5 chữ số / Must be a commune code of 5 digits.")
    bad_day = requests.get(url, params={"commune": "03388", "as_of": "31/02/2025"},
                           headers=bearer(COMMUNE_OFFICER), timeout=10)
    assert (bad_day.status_code, bad_day.text.startswith("as_of: Ngày không hợp lệ"),
            "not a valid date" in bad_day.text) == (400, True, True)
    refused = requests.get(url, params={"commune": "03388", "as_of": AS_OF}, headers=bearer(OUTSIDER),
                           timeout=10)
    assert refused.status_code == 403


@pytest.mark.parametrize(("commune", "as_of", "component", "field"), [
    ("12", AS_OF, None, "commune_code"),  # a province, not a commune
    ("0338", AS_OF, None, "commune_code"),
    ("03388", "yesterday", None, "as_of"),
    ("03388", AS_OF, "dental_check", "component"),
])
def test_a_bad_query_gets_a_typed_error_naming_its_field_and_is_not_audited(reporting_container, commune,
                                                                            as_of, component, field):
    with pytest.raises(ValidationFailed) as error:
        call(reporting_container, "children_missing_package", commune, as_of, component,
             as_token=COMMUNE_OFFICER)
    assert list(error.value.errors) == [field]
    log = call(reporting_container, "audit_log", as_token=AUDITOR)
    assert [e for e in log if e["action"] == "read_package_missing"] == []
