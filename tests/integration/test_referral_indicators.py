"""The referral figures of a small province against a hand count: Lai Châu (legacy map, 8 districts),
16 referrals in 6 communes of 5 districts, in every state, one voided, one in another province.

The period is the first half of 2025, ``as_of`` 30 June 2025 (legacy map: the network's unit is the
legacy district). Deadlines follow the rules (days by reason and urgency). Each referral, where it was
made, and what happened to it (* its answers reach reporting before the referral itself):

    district 105 (Thành phố Lai Châu)
      A1 03388 health->education   suspected_disability   sent 03/02 due 05/03 completed 20/02 (17 d)
      A2 03388 health->health      severe_wasting (urg.)  sent 10/03 due 12/03 completed 11/03 (1 d)
      A3 03388 health->protection  protection_concern     sent 01/04 due 08/04 completed 07/04 (6 d) *
      A4 03386 health->protection  protection_concern (u) sent 05/05 due 06/05 completed 09/05 (4 d, late)
      A5 03386 education->registry no_birth_registration  sent 20/05 due 19/06 open: 11 d overdue on 30/06
      A6 03386 health->protection  protection_concern     sent 02/06 due 09/06 declined 03/06 (duplicate)
      D2 03388 health->education   suspected_disability   sent 01/11/2024, completed 20/11/2024
    district 106 (Tam Đường)
      B1 03390 health->protection  protection_concern     sent 10/01 due 17/01 completed 15/01 (5 d)
      B2 03390 health->protection  protection_concern     sent 10/02 due 17/02 accepted, open: 133 d overdue *
      B3 03394 education->health   development_delay      sent 01/03 due 31/03 completed 10/04 (40 d, late)
    district 109 (Phong Thổ)
      C1 03391 education->health   vaccination_overdue    sent 15/03 due 14/04 declined 16/03
      C2 03391 health->health      severe_stunting        sent 20/01 due 19/02 completed 01/02 (12 d)
    district 108 (Sìn Hồ)
      D1 03478 education->health   development_delay      sent 10/12/2024 due 09/01 completed 05/01 (26 d)
    district 107 (Mường Tè)
      E1 03433 health->registry    no_insurance_card      sent 15/02 due 17/03 completed 01/03 (14 d) *
      E2 03433 health->education   not_enrolled           sent 01/05 due 31/05 accepted, open: 30 d overdue
      E3 03433 health->education   development_delay      sent 03/03, then voided by health: no referral
    elsewhere: G1 00004 (Hà Nội) health->education, completed: not Lai Châu's
"""

from dataclasses import dataclass

import pytest

from services.reporting.use_cases import apply_event
from shared.plumbing.metrics import service_metrics
from shared.rules import referrals
from tests.support.factories import (
    make_referral_answer_payload,
    make_referral_envelope,
    make_referral_payload,
    make_void_envelope,
    personal_id,
)
from tests.support.figures import count
from tests.support.hooks import call

PERIOD = {"start": "2025-01-01", "end": "2025-06-30"}
SECTORS = ("registry", "health", "education", "protection")


@dataclass(frozen=True)
class Ref:
    name: str
    commune: str
    sender: str
    receiver: str
    reason: str
    sent: str
    urgency: str = "routine"
    accepted: str | None = None
    completed: str | None = None
    declined: str | None = None
    decline_reason: str = "not_this_sector"
    answers_first: bool = False
    voided: bool = False


REFERRALS = (
    Ref("A1", "03388", "health", "education", "suspected_disability", "2025-02-03", accepted="2025-02-05",
        completed="2025-02-20"),
    Ref("A2", "03388", "health", "health", "severe_wasting", "2025-03-10", "urgent", completed="2025-03-11"),
    Ref("A3", "03388", "health", "protection", "protection_concern", "2025-04-01", accepted="2025-04-02",
        completed="2025-04-07", answers_first=True),
    Ref("A4", "03386", "health", "protection", "protection_concern", "2025-05-05", "urgent",
        completed="2025-05-09"),
    Ref("A5", "03386", "education", "registry", "no_birth_registration", "2025-05-20"),
    Ref("A6", "03386", "health", "protection", "protection_concern", "2025-06-02", declined="2025-06-03",
        decline_reason="duplicate"),
    Ref("D2", "03388", "health", "education", "suspected_disability", "2024-11-01", completed="2024-11-20"),
    Ref("B1", "03390", "health", "protection", "protection_concern", "2025-01-10", completed="2025-01-15"),
    Ref("B2", "03390", "health", "protection", "protection_concern", "2025-02-10", accepted="2025-02-11",
        answers_first=True),
    Ref("B3", "03394", "education", "health", "development_delay", "2025-03-01", completed="2025-04-10"),
    Ref("C1", "03391", "education", "health", "vaccination_overdue", "2025-03-15", declined="2025-03-16"),
    Ref("C2", "03391", "health", "health", "severe_stunting", "2025-01-20", completed="2025-02-01"),
    Ref("D1", "03478", "education", "health", "development_delay", "2024-12-10", completed="2025-01-05"),
    Ref("E1", "03433", "health", "registry", "no_insurance_card", "2025-02-15", completed="2025-03-01",
        answers_first=True),
    Ref("E2", "03433", "health", "education", "not_enrolled", "2025-05-01", accepted="2025-05-02"),
    Ref("E3", "03433", "health", "education", "development_delay", "2025-03-03", voided=True),
    Ref("G1", "00004", "health", "education", "suspected_disability", "2025-03-01", completed="2025-03-05"),
)


def envelopes(ref: Ref) -> list[dict]:
    """The referral's events as its two sectors publish them, in the order reporting receives them."""
    child = personal_id()
    sent = make_referral_payload(referral_id=ref.name, commune_code=ref.commune, from_sector=ref.sender,
                         to_sector=ref.receiver, reason=ref.reason, urgency=ref.urgency, referred_on=ref.sent)
    detail = {"referral_declined": {"decline_reason": ref.decline_reason}}
    said = (("referral_accepted", ref.accepted), ("referral_completed", ref.completed),
            ("referral_declined", ref.declined))
    answers = [make_referral_envelope(ref.receiver, event_type, child, make_referral_answer_payload(
                   sent, event_type, answered_on=day, **detail.get(event_type, {})))
               for event_type, day in said if day]
    first = [make_referral_envelope(ref.sender, "referral_sent", child, sent)]
    voids = [make_void_envelope(ref.sender, child, sent, "referral_sent")] if ref.voided else []
    return [*answers, *first] if ref.answers_first else [*first, *answers, *voids]


@pytest.fixture
def province(reporting_container, reporting_db):
    """Every referral's events applied to reporting's database (the handlers' own use case)."""
    metrics = service_metrics("reporting")
    for ref in REFERRALS:
        for envelope in envelopes(ref):
            assert apply_event(reporting_db, envelope, metrics) is True
    return reporting_container


def days(median, n):
    return {"numerator": None, "denominator": n, "value": median, "unit": "days"}


def network(works, units, unit="legacy_district"):
    return {"numerator": works, "denominator": units, "value": round(works / units, 4) if units else None,
            "network_unit": unit}


def referral_figures(indicators: dict) -> dict:
    return {key: figure for key, figure in indicators.items() if key.startswith("referral")}


def test_every_referral_figure_of_the_province_equals_the_hand_count(province):
    report = call(province, "indicators", "12", "2025-06-30", PERIOD)
    # Sent in the period: 13 (not D1, D2 of 2024, nor the voided E3, nor Hà Nội's G1).
    pairs = {("health", "education"): 2,  # A1, E2
             ("health", "health"): 2,  # A2, C2
             ("health", "protection"): 5,  # A3, A4, A6, B1, B2
             ("education", "registry"): 1,  # A5
             ("education", "health"): 2,  # B3, C1
             ("health", "registry"): 1}  # E1
    reasons = {"suspected_disability": 1, "severe_wasting": 1, "protection_concern": 5,
               "no_birth_registration": 1, "development_delay": 1, "vaccination_overdue": 1,
               "severe_stunting": 1, "no_insurance_card": 1, "not_enrolled": 1}
    expected = {
        "referrals_sent": count(13),
        "referrals_sent_protection": count(5),  # each of 5 at least: shown at the province
        **{f"referrals_sent_{s}_to_{r}": count(pairs.get((s, r), 0)) for s in SECTORS for r in SECTORS},
        **{f"referrals_sent_reason_{x}": count(reasons.get(x, 0)) for x in referrals.reasons()},
        # The timeliness figures leave protection's referrals (A3 A4 A6 B1 B2) out. Due in the period: all
        # but D2, G1, E3 and those five = 9; completed by their deadline: A1, A2, C2, D1 (due 09/01, done
        # 05/01), E1 = 5. Not: B3 (late), C1 (declined), A5, E2 (open).
        "referrals_completed_on_time": {"numerator": 5, "denominator": 9, "value": 0.5556},
        # Completed in the period, protection's aside: 1 (A2), 12 (C2), 14 (E1), 17 (A1), 26 (D1), 40 (B3):
        # the middle of 6 is (14 + 17) / 2.
        "referrals_median_days_to_completion": days(15.5, 6),
        "referrals_overdue": count(2),  # A5, E2 open past their deadline on 30/06 (B2 is protection's)
        # Networks that worked: 105 (A1, A3 between sectors, completed; nothing long overdue) and 107 (E1;
        # E2 is 30 days overdue, not more). Not 106 (B2 133 days overdue), 109 (C1 declined, C2 within
        # health), 108 (D1 sent in 2024), nor 110-112 (no referral): 2 of 8 districts.
        "referral_network_coverage": network(2, 8),
    }
    assert referral_figures(report["indicators"]) == expected


@pytest.mark.parametrize(("district", "sent", "on_time", "median", "overdue", "works"), [
    ("105", 6, (2, 3), days(9.0, 2), 1, 1),  # A1 A2 in time of A1 A2 A5; median of 1 and 17; A5
    ("106", 3, (0, 1), days(40, 1), 0, 0),  # B3 late; median of 40 (B1, B2: protection's)
    ("107", 2, (1, 2), days(14, 1), 1, 1),  # E1 of E1 E2; E2
    ("108", 0, (1, 1), days(26, 1), 0, 0),  # D1, due in the period, sent before it
    ("109", 2, (1, 2), days(12, 1), 0, 0),  # C2 of C1 C2
    ("110", 0, (0, 0), days(None, 0), 0, 0),
])
def test_each_district_figure_equals_the_hand_count(province, district, sent, on_time, median, overdue,
                                                    works):
    figures = call(province, "indicators", district, "2025-06-30", PERIOD)["indicators"]
    done, due = on_time
    assert (figures["referrals_sent"], figures["referrals_completed_on_time"],
            figures["referrals_median_days_to_completion"], figures["referrals_overdue"],
            figures["referral_network_coverage"]) == (
        count(sent), {"numerator": done, "denominator": due, "value": round(done / due, 4) if due else None},
        median, count(overdue), network(works, 1))


def hidden(figures: dict, keys: list[str]) -> list[str]:
    return [key for key in keys if "suppressed" in figures[key]]


def test_a_districts_few_protection_referrals_are_suppressed_and_not_had_from_its_total(province):
    city = call(province, "indicators", "105", "2025-06-30", PERIOD)["indicators"]
    assert (city["referrals_sent_health_to_protection"], city["referrals_sent_protection"],
            city["referrals_sent_reason_protection_concern"]) == (count("<5"),) * 3  # A3 A4 A6
    assert city["referrals_sent"] == count(6)  # the total stays: so at least one more part is hidden
    assert len(hidden(city, [f"referrals_sent_{s}_to_{r}" for s in SECTORS for r in SECTORS])) >= 2
    assert len(hidden(city, [f"referrals_sent_reason_{x}" for x in referrals.reasons()])) >= 2
    tam_duong = call(province, "indicators", "106", "2025-06-30", PERIOD)["indicators"]
    assert tam_duong["referrals_sent_health_to_protection"] == count("<5")  # B1 B2


def test_counts_without_protection_are_not_suppressed_for_being_small_only_to_protect(province):
    province_wide = call(province, "indicators", "12", "2025-06-30", PERIOD)["indicators"]
    assert (province_wide["referrals_sent_health_to_registry"],
            province_wide["referrals_sent_reason_no_insurance_card"]) == (count(1), count(1))  # E1
    phong_tho = call(province, "indicators", "109", "2025-06-30", PERIOD)["indicators"]
    assert (phong_tho["referrals_sent_reason_vaccination_overdue"],
            phong_tho["referrals_sent_reason_severe_stunting"]) == (count(1), count(1))  # C1, C2
    # 106's only education->health (B3) is hidden so that 106's non-protection total cannot give its
    # protection referrals away; the province's 2 less 109's C1 would give B3: so C1 is hidden too.
    assert phong_tho["referrals_sent_education_to_health"] == count("x")


def test_overdue_referrals_are_counted_per_commune(province):
    report = call(province, "indicators", "12", "2025-06-30", PERIOD, True)
    overdue = {c["code"]: c["indicators"]["referrals_overdue"]["value"] for c in report["communes"]}
    assert {code: n for code, n in overdue.items() if n} == {"03386": 1, "03433": 1}  # A5 E2 (not B2)
    assert len(overdue) == 106
    assert report["communes"][0]["indicators"]["referral_network_coverage"] == network(0, 0)  # no district


def test_on_the_2025_map_the_network_is_counted_by_commune(province):
    """The whole of 2025 read on 31/12 (2025 map, 38 communes): A1-A6 and C1-C2 now lie in 03388, where
    A5 is 195 days overdue; 03390 has B2, 03433 has E2 (214 days); 03478's D1 was sent in 2024. Only
    03394 (B3, completed, between sectors) worked: 1 of 38."""
    report = call(province, "indicators", "12", "2025-12-31", {"start": "2025-01-01", "end": "2025-12-31"})
    figures = report["indicators"]
    assert (figures["referrals_sent"], figures["referral_network_coverage"]) == (
        count(13), network(1, 38, "commune"))


def test_a_report_for_an_earlier_date_reads_the_referrals_as_they_stood_then(province):
    """On 31/03 (Q1): sent A1, A2, B1, B2, B3, C1, C2, E1 = 8 (A3 and later not yet); open and past
    their deadline: B2 (17/02, protection's: not counted) and B3 (31/03 is its last day: not yet) = 0;
    completed later (B3 on 10/04) does not count as completed on 31/03."""
    figures = call(province, "indicators", "12", "2025-03-31", {"start": "2025-01-01", "end": "2025-03-31"})[
        "indicators"]
    # Due in Q1, protection's (B1, B2) aside: C2 19/02, D1 09/01, A1 05/03, A2 12/03, E1 17/03, B3 31/03
    # = 6; in time: C2, D1, A1, A2, E1 = 5.
    assert (figures["referrals_sent"], figures["referrals_overdue"], figures["referrals_completed_on_time"]) \
        == (count(8), count(0), {"numerator": 5, "denominator": 6, "value": 0.8333})


def test_the_report_shows_the_network_against_lai_chaus_2025_target(province):
    """Lai Châu 269/KH-UBND: 75% of districts with a working network by 2025; 2 of 8 work: 25%, 50
    points short. On the legacy map the network is counted by district, so no commune is behind."""
    report = call(province, "indicators", "12", "2025-06-30", PERIOD, True)
    network_progress = report["progress"]["indicators"]["referral_network_coverage"]
    assert {k: network_progress[k] for k in ("value", "target", "gap", "status", "year", "behind")} == {
        "value": 25.0, "target": 75.0, "gap": -50.0, "status": "off_track", "year": 2025, "behind": []}
    assert network_progress["plan"] == report["progress"]["plan"] == (
        "Kế hoạch 269/KH-UBND tỉnh Lai Châu (05/03/2019) — Lai Châu 269/KH-UBND")
    city = call(province, "indicators", "105", "2025-06-30", PERIOD)["progress"]["indicators"]
    network_in_city = city["referral_network_coverage"]  # 1 of 1 district: 100% (no communes asked)
    assert (network_in_city["status"], "behind" in network_in_city) == ("on_track", False)
