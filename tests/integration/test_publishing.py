"""Reports as published and as now, on the running registry and reporting (real RabbitMQ and
PostgreSQL): a commune officer publishes the first half of 2026; a birth of that half registered on
time for it but entered after publication arrives, and other records dated after the as-of date;
the snapshot keeps its figures, "as now" counts the late birth only, and the diff names exactly the
indicators it changed."""

from datetime import timedelta

import pytest
import requests

from shared.exceptions import Forbidden, NotFound, Unauthenticated, ValidationFailed
from shared.rules.clock import today
from tests.support.factories import COMMUNE, make_birth, make_move, make_token
from tests.support.hooks import call, write_and_wait
from tests.support.identities import bearer, cluster_proxy

FIRST_HALF = {"start": "2026-01-01", "end": "2026-06-30"}
REPORT_ID = "03388_2026-01-01_2026-06-30_2026-06-30_v1"
NEIGHBOUR = "03391"
OFFICER = make_token("commune_officer", user_id="officer-of-03388", purpose="reporting")
OFFICER_THERE = make_token("commune_officer", communes=(NEIGHBOUR,), user_id="officer-of-03391")
TEACHER = make_token("teacher", user_id="teacher-1")
# What a third birth of the half (late, no card, not measured, not enrolled) changes in a commune with
# two (one on time, one late): the births, and the children under 5, under 6 and 3-36 months it counts;
# and in the headline (whose children need not be registered by as_of: a child born before it and
# registered only after it was a resident child without a birth registration then) the third birth and
# the one registered after as_of: 4 children, 3 registered by then, one too young to have a dose due.
CHANGED = {
    "package_coverage_0_8": ({"numerator": 0, "denominator": 2, "value": 0.0},
                             {"numerator": 0, "denominator": 4, "value": 0.0},
                             {"numerator": 0, "denominator": 2, "value": 0.0}),
    "package_birth_registered": ({"numerator": 2, "denominator": 2, "value": 1.0},
                                 {"numerator": 3, "denominator": 4, "value": 0.75},
                                 {"numerator": 1, "denominator": 2, "value": -0.25}),
    "package_insurance_card": ({"numerator": 0, "denominator": 2, "value": 0.0},
                               {"numerator": 0, "denominator": 4, "value": 0.0},
                               {"numerator": 0, "denominator": 2, "value": 0.0}),
    "package_epi_up_to_date": ({"numerator": 0, "denominator": 2, "value": 0.0},
                               {"numerator": 1, "denominator": 4, "value": 0.25},
                               {"numerator": 1, "denominator": 2, "value": 0.25}),
    "package_growth_measured": ({"numerator": 0, "denominator": 2, "value": 0.0},
                                {"numerator": 0, "denominator": 4, "value": 0.0},
                                {"numerator": 0, "denominator": 2, "value": 0.0}),
    "birth_registration_on_time": ({"numerator": 1, "denominator": 2, "value": 0.5},
                                   {"numerator": 1, "denominator": 3, "value": 0.3333},
                                   {"numerator": 0, "denominator": 1, "value": -0.1667}),
    "under5_registered": ({"numerator": 2, "denominator": None, "value": 2},
                          {"numerator": 3, "denominator": None, "value": 3},
                          {"numerator": 1, "denominator": None, "value": 1}),
    "under6_insurance_card_coverage": ({"numerator": 0, "denominator": 2, "value": 0.0},
                                       {"numerator": 0, "denominator": 3, "value": 0.0},
                                       {"numerator": 0, "denominator": 1, "value": 0.0}),
    "growth_monitoring_under5": ({"numerator": 0, "denominator": 2, "value": 0.0},
                                 {"numerator": 0, "denominator": 3, "value": 0.0},
                                 {"numerator": 0, "denominator": 1, "value": 0.0}),
    "creche_enrolment_3_36m": ({"numerator": 0, "denominator": 2, "value": 0.0},  # 4 months old by then
                               {"numerator": 0, "denominator": 3, "value": 0.0},
                               {"numerator": 0, "denominator": 1, "value": 0.0}),
}


@pytest.fixture
def commune(registry_container, reporting_container):
    """Commune 03388 with two births in the first half of 2026: one registered on time, one late."""
    class Commune:
        def register(self, **birth):
            record = make_birth(**birth)
            write_and_wait(registry_container, "register_birth", [record],
                           [(reporting_container, "handle_registry_birth_registered")])
            return record

        def void(self, record):
            write_and_wait(registry_container, "void_record", [record["record_id"], "registered twice"],
                           [(reporting_container, "handle_registry_record_voided")])

        def move(self, child_id, **move):
            write_and_wait(registry_container, "change_residence", [make_move(child_id, **move)],
                           [(reporting_container, "handle_registry_residence_changed")])

    here = Commune()
    here.first = here.register(date_of_birth="2026-01-05", registration_date="2026-01-20")
    here.register(date_of_birth="2026-02-10", registration_date="2026-05-20")
    return here


def publish(reporting, period=FIRST_HALF, as_token=OFFICER, **kwargs):
    return call(reporting, "publish_report", COMMUNE, period, as_token=as_token, **kwargs)


def test_a_published_report_keeps_its_figures_and_as_now_shows_what_the_late_birth_changed(
        commune, reporting_container):
    published = publish(reporting_container)
    assert (published["report_id"], published["version"], published["as_of"], published["period"]) == (
        REPORT_ID, 1, "2026-06-30", FIRST_HALF)
    assert (published["published_by"]["user_id"], published["published_by"]["roles"]) == (
        "officer-of-03388", ["commune_officer"])
    assert published["published"] == call(reporting_container, "indicators", COMMUNE, "2026-06-30",
                                           FIRST_HALF, True)
    commune.register(date_of_birth="2026-03-01", registration_date="2026-06-25")  # entered late
    commune.register(date_of_birth="2026-06-10", registration_date="2026-07-15")  # after as_of
    commune.move(commune.first["child_id"], commune_code="00004", moved_on="2026-08-01")  # Hà Nội

    compared = call(reporting_container, "published_report", REPORT_ID, as_token=OFFICER)

    assert compared["published"] == published["published"]
    assert compared["now"]["indicators"]["birth_registration_on_time"] == CHANGED[
        "birth_registration_on_time"][1]
    changed = {c["indicator"]: (c["published"], c["now"], c["difference"])
               for c in compared["changes"] if c["changed"]}
    assert changed == CHANGED
    assert [c["indicator"] for c in compared["changes"]] == list(published["published"]["indicators"])


def test_a_birth_voided_after_publication_leaves_the_snapshot_and_shows_as_now(commune,
                                                                              reporting_container):
    publish(reporting_container)
    commune.void(commune.first)
    compared = call(reporting_container, "published_report", REPORT_ID, "now", as_token=OFFICER)
    changed = {c["indicator"]: (c["published"]["value"], c["now"]["value"],
                                c["difference"]["numerator"], c["difference"]["denominator"])
               for c in compared["changes"] if c["changed"]}
    assert changed == {"package_coverage_0_8": (0.0, 0.0, 0, -1),  # the voided child is nobody now
                       "package_birth_registered": (1.0, 1.0, -1, -1),
                       "package_insurance_card": (0.0, 0.0, 0, -1),
                       "package_epi_up_to_date": (0.0, 0.0, 0, -1),
                       "package_growth_measured": (0.0, 0.0, 0, -1),
                       "birth_registration_on_time": (0.5, 0.0, -1, -1),
                       "under5_registered": (2, 1, -1, None),
                       "under6_insurance_card_coverage": (0.0, 0.0, 0, -1),
                       "growth_monitoring_under5": (0.0, 0.0, 0, -1),
                       "creche_enrolment_3_36m": (0.0, 0.0, 0, -1)}


def test_publishing_again_adds_version_2_and_keeps_version_1(commune, reporting_container):
    first = publish(reporting_container)
    commune.register(date_of_birth="2026-03-01", registration_date="2026-06-25")
    second = publish(reporting_container, as_of="2026-07-31")
    assert (second["report_id"], second["version"]) == ("03388_2026-01-01_2026-06-30_2026-07-31_v2", 2)
    listed = call(reporting_container, "published_reports", COMMUNE, as_token=OFFICER)
    assert [(r["report_id"], r["version"], r["published_by"]["user_id"]) for r in listed] == [
        (REPORT_ID, 1, "officer-of-03388"), (second["report_id"], 2, "officer-of-03388")]
    kept = call(reporting_container, "published_report", REPORT_ID, None, as_token=OFFICER)
    assert (kept["published"], "now" in kept) == (first["published"], False)
    assert second["published"]["indicators"]["under5_registered"]["value"] == 3


def test_five_officers_publishing_at_once_get_versions_1_to_5(commune, reporting_container):
    """Without the lock on the area and period, two of them read the same last version and collide."""
    with cluster_proxy(reporting_container.config, OFFICER, timeout=60) as rpc:
        calls = [rpc.reporting.publish_report.call_async(COMMUNE, FIRST_HALF) for _ in range(5)]
        assert sorted(reply.result()["version"] for reply in calls) == [1, 2, 3, 4, 5]


def test_a_period_not_closed_yet_is_refused_naming_the_period_and_stores_nothing(reporting_container):
    open_period = {"start": today().replace(day=1).isoformat(), "end": today().isoformat()}
    with pytest.raises(ValidationFailed) as refused:
        publish(reporting_container, open_period)
    assert list(refused.value.errors) == ["period"]
    with pytest.raises(ValidationFailed) as future:
        publish(reporting_container, FIRST_HALF, as_of=(today() + timedelta(days=1)).isoformat())
    assert list(future.value.errors) == ["as_of"]
    assert call(reporting_container, "published_reports", COMMUNE, as_token=OFFICER) == []


def test_a_caller_without_the_right_or_the_area_publishes_and_reads_nothing(commune, reporting_container):
    with pytest.raises(Forbidden, match="publish:reports needs one of the roles commune_officer, "
                                        "district_officer, province_officer"):
        publish(reporting_container, as_token=TEACHER)
    with pytest.raises(Forbidden, match=r"Area 03388 lies outside the token's areas \(03391\)"):
        publish(reporting_container, as_token=OFFICER_THERE)
    with pytest.raises(Unauthenticated):
        publish(reporting_container, as_token="")
    assert call(reporting_container, "published_reports", COMMUNE, as_token=OFFICER) == []
    publish(reporting_container)
    for method, args in (("published_report", (REPORT_ID,)), ("published_reports", (COMMUNE,))):
        with pytest.raises(Forbidden, match="outside the token's areas"):
            call(reporting_container, method, *args, as_token=OFFICER_THERE)
    with pytest.raises(NotFound):
        call(reporting_container, "published_report", "03388_2026-01-01_2026-06-30_2026-06-30_v9",
             as_token=OFFICER)


def test_http_shows_the_report_as_published_as_now_and_what_changed(commune, reporting_container):
    publish(reporting_container)
    commune.register(date_of_birth="2026-03-01", registration_date="2026-06-25")
    host = reporting_container.config["WEB_SERVER_ADDRESS"]

    def get(params, token=OFFICER, report_id=REPORT_ID):
        return requests.get(f"http://{host}/reports/published/{report_id}", params=params,
                            headers=bearer(token) if token else {}, timeout=30)

    published, now, diff = (get({"view": view}).json() for view in ("published", "now", "diff"))
    indicator = "birth_registration_on_time"
    assert (published["report"]["indicators"][indicator], now["report"]["indicators"][indicator]) == (
        CHANGED[indicator][0], CHANGED[indicator][1])
    assert [c["indicator"] for c in diff["changes"] if c["changed"]] == list(CHANGED)
    page = get({"view": "diff", "format": "html"})
    assert (page.status_code, page.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert "Báo cáo đã công bố / published report</b> " + REPORT_ID in page.text
    assert page.text.count("<tr class=changed>") == len(CHANGED)
    assert "officer-of-03388" in get({"view": "published", "format": "html"}).text
    assert [get({}, token="").status_code, get({}, OFFICER_THERE).status_code,
            get({}, report_id="nothing-here").status_code, get({"view": "later"}).status_code] == [
        401, 403, 404, 400]
