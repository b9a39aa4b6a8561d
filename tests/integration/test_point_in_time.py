"""Indicators true for their date: a 400-child cohort that moves across provinces and across
1 July 2025, with old cards still valid beside newer ones, against the hand count of each figure."""

from datetime import date

import pytest
from kombu import Connection, Exchange, Queue

from shared.rules.admin_units import admin_units
from tests.support import cohort as hand
from tests.support.hooks import call

LEGACY_DATES = (date(2023, 12, 31), date(2024, 9, 30), date(2025, 6, 30))
CURRENT_DATES = (date(2025, 7, 1), date(2025, 12, 31), date(2026, 6, 30))
REGISTRY_INDICATORS = ("birth_registration_on_time", "under5_registered", "under6_insurance_card_coverage")


def register(registry, child: hand.Child, n: int) -> None:
    call(registry, "register_birth", {
        "record_id": f"birth-{n}", "child_id": child.child_id, "full_name": f"Trẻ {n}",
        "sex": child.sex, "date_of_birth": child.born.isoformat(),
        "registration_date": child.registered.isoformat(), "commune_code": child.commune})
    for m, (moved_on, commune) in enumerate(child.moves):
        call(registry, "change_residence", {"record_id": f"move-{n}-{m}", "child_id": child.child_id,
                                            "commune_code": commune, "moved_on": moved_on.isoformat()})
    for m, (issued_on, valid_to) in enumerate(child.cards):
        call(registry, "issue_insurance_card", {
            "record_id": f"card-{n}-{m}", "child_id": child.child_id, "card_number": f"TE{n:05d}{m}",
            "issued_on": issued_on.isoformat(), "valid_to": valid_to.isoformat()})
    if child.died:
        call(registry, "record_death", {"record_id": f"death-{n}", "child_id": child.child_id,
                                        "date_of_death": child.died.isoformat()})


@pytest.fixture(scope="module")
def units():
    return admin_units()


@pytest.fixture
def cohort_platform(registry_container, container_factory, service_config, units, request):
    """The cohort registered, then read into a fresh reporting service by catch-up."""
    from services.reporting.service import ReportingService

    children = hand.make_cohort(units, size=getattr(request, "param", 400))
    sink = Queue("cohort-sink", Exchange("registry.events", type="topic", durable=True),
                 routing_key="#", auto_delete=False)
    with Connection(registry_container.config["AMQP_URI"]) as conn:
        sink(conn.channel()).declare()  # the events are routed (and sent), reporting reads the log
        try:
            for n, child in enumerate(children):
                register(registry_container, child, n)
        finally:
            sink(conn.channel()).delete()
    reporting = container_factory(ReportingService, service_config("reporting"))
    reporting.start()
    call(reporting, "catch_up")
    return children, registry_container, reporting


def areas(units, on: date) -> list[str]:
    legacy, current = hand.communes(units)
    if units.map_on(on) == "legacy":
        return sorted(set(hand.LEGACY_PROVINCES) | {units.legacy[c].district_code for c in legacy}
                      | set(legacy))
    return sorted(set(hand.CURRENT_PROVINCES) | set(current))


def test_every_figure_for_every_area_and_date_and_commune_equals_the_hand_count(cohort_platform,
                                                                                units):
    children, _, reporting = cohort_platform
    checked, naive_differs = 0, 0
    for on in LEGACY_DATES + CURRENT_DATES:
        for area in areas(units, on):
            start = date(on.year, 1, 1)
            report = call(reporting, "indicators", area, on.isoformat())
            expected = hand.figures(hand.counts(children, area, on, start, on, units))
            assert (area, on, registry_part(report["indicators"])) == (area, on, expected)
            naive = hand.figures(hand.counts(children, area, on, start, on, units, naive=True))
            checked, naive_differs = checked + 1, naive_differs + (naive != expected)
    assert checked == 3 * 28 + 3 * 21  # legacy: 4 provinces, 8 districts, 16 communes; 2025: 3 + 18
    print(f"naive counting differs in {naive_differs} of {checked}")
    assert naive_differs > checked // 2  # the cohort tells point-in-time from latest-state counting
    a_province_breakdown_lists_every_commune_and_adds_up(children, reporting, units)


def registry_part(indicators: dict) -> dict:
    return {key: indicators[key] for key in REGISTRY_INDICATORS}


def a_province_breakdown_lists_every_commune_and_adds_up(children, reporting, units):
    on = date(2025, 12, 31)
    report = call(reporting, "indicators", "51", on.isoformat(), None, True)
    assert len(report["communes"]) == 96
    for commune in report["communes"]:
        expected = hand.figures(hand.counts(children, commune["code"], on, date(2025, 1, 1), on, units))
        assert (commune["code"], registry_part(commune["indicators"])) == (commune["code"], expected)
    total = sum(c["indicators"]["under5_registered"]["value"] for c in report["communes"])
    assert total == report["indicators"]["under5_registered"]["value"]


@pytest.mark.parametrize("cohort_platform", [100], indirect=True)
def test_a_report_for_a_past_date_does_not_change_when_children_move_or_get_cards_later(
        cohort_platform, units):
    children, registry, reporting = cohort_platform
    on = "2025-06-30"
    before = {area: call(reporting, "indicators", area, on) for area in hand.LEGACY_PROVINCES}
    for n, child in enumerate(children[:40]):
        call(registry, "change_residence", {"record_id": f"late-move-{n}", "child_id": child.child_id,
                                            "commune_code": "00004", "moved_on": "2026-10-01"})
        call(registry, "issue_insurance_card", {
            "record_id": f"late-card-{n}", "child_id": child.child_id, "card_number": f"TL{n:05d}",
            "issued_on": "2026-10-01", "valid_to": "2032-09-30"})
    assert call(reporting, "catch_up")["registry"]["read"] == 80  # applied here or by the handlers
    assert call(reporting, "child_view", children[0].child_id)["commune_code"] == "00004"
    after = {area: call(reporting, "indicators", area, on) for area in hand.LEGACY_PROVINCES}
    assert without_freshness(after) == without_freshness(before)


def without_freshness(reports: dict) -> dict:
    """The reports' figures: how fresh the data is changes as events arrive, by design."""
    return {area: {k: v for k, v in report.items() if k != "freshness"} for area, report in reports.items()}
