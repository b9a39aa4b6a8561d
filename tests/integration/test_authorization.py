"""Every call is judged on a verified token, on the running services (real RabbitMQ and PostgreSQL):
no token, a token signed by another key or an expired one reads and stores nothing; an officer of one
commune reads neither a child, a case, a list nor the figures of another; writes and the audit log
name the verified user; HTTP answers 401 and 403 the same way."""

import json
import time

import pytest
import requests
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import func, select

from services.health.orm import Record as HealthRecord
from services.registry.orm import OutboxMessage, Record
from shared.exceptions import Forbidden, Unauthenticated
from shared.kit.identity import CallerContext
from shared.plumbing.tokens import Issuers, mint, new_private_key
from tests.support.factories import (
    COMMUNE,
    make_birth,
    make_case,
    make_enrolment,
    make_token,
    make_vaccination,
)
from tests.support.hooks import call, write_and_wait
from tests.support.identities import bearer, token, trust_folder
from tests.support.wire import raw_rpc
from tools.access.tokens import DEV_ISSUER, DEV_KEY_ID

NEIGHBOUR = "03391"  # another ward of Lai Châu (2025 map)
AS_OF = "2026-06-30"
STRANGER = mint(new_private_key(), DEV_KEY_ID, DEV_ISSUER,
                {"sub": "forger", "roles": ["civil_registrar"], "areas": ["12"]}, 600)


def _expired() -> str:
    """A token our key signed an hour ago, valid for a minute."""
    key = (trust_folder() / "dev-signing.pem").read_bytes()
    claims = {"sub": "late", "system": "crvs", "roles": ["civil_registrar", "province_officer"],
              "areas": ["12"]}
    return mint(key, DEV_KEY_ID, DEV_ISSUER, claims, 60, now=time.time() - 3600)


OFFICER_HERE = make_token("commune_officer", user_id="officer-of-03388", purpose="monitoring")
OFFICER_THERE = make_token("commune_officer", communes=(NEIGHBOUR,), user_id="officer-of-03391",
                           purpose="monitoring")
PROVINCE_OFFICER = make_token("province_officer", communes=("12",), user_id="province-12")
REGISTRAR = make_token("civil_registrar", user_id="registrar-7", purpose="registration")


@pytest.fixture
def platform(registry_container, health_container, education_container, protection_container,
             reporting_container):
    class Platform:
        def born_here(self):
            birth = make_birth(date_of_birth="2026-01-05", registration_date="2026-02-10")
            followers = (health_container, education_container, protection_container, reporting_container)
            write_and_wait(registry_container, "register_birth", [birth],
                           [(c, "handle_registry_birth_registered") for c in followers])
            return birth

    return Platform()


@pytest.mark.parametrize("refused, reason", [
    ("", "no token"),
    (STRANGER, "Signature verification failed"),
    ("expired", "Signature has expired"),
])
def test_no_token_a_strangers_token_or_an_expired_one_stores_nothing_and_reads_nothing(
        registry_container, registry_db, refused, reason):
    refused = _expired() if refused == "expired" else refused
    birth = make_birth()
    with pytest.raises(Unauthenticated, match=reason):
        call(registry_container, "register_birth", birth, as_token=refused)
    with pytest.raises(Unauthenticated, match=reason):
        call(registry_container, "get_child", birth["child_id"], as_token=refused)
    registry_db.rollback()
    assert (registry_db.scalar(select(func.count()).select_from(Record)),
            registry_db.scalar(select(func.count()).select_from(OutboxMessage))) == (0, 0)


def test_a_write_needs_its_sectors_role_and_records_the_verified_writer_with_its_event(
        registry_container, health_container, registry_db, health_db, platform):
    with pytest.raises(Forbidden, match="write:health needs one of the roles health_worker"):
        call(health_container, "record_vaccination", make_vaccination(), as_token=REGISTRAR)
    health_db.rollback()
    assert health_db.scalar(select(func.count()).select_from(HealthRecord)) == 0
    birth = make_birth()
    call(registry_container, "register_birth", birth, as_token=REGISTRAR)
    registry_db.rollback()
    record = registry_db.get(Record, birth["record_id"])
    [row] = registry_db.scalars(select(OutboxMessage))
    assert record.written_by == row.envelope["provenance"] == {"system": "tests", "user_id": "registrar-7"}


def test_an_officer_reads_the_child_of_their_commune_and_not_one_of_another(platform, registry_container,
                                                                              reporting_container):
    child = platform.born_here()["child_id"]
    assert call(registry_container, "get_child", child, as_token=OFFICER_HERE)["commune_code"] == COMMUNE
    assert call(reporting_container, "child_view", child, as_token=PROVINCE_OFFICER)["child_id"] == child
    for container, method in ((registry_container, "get_child"), (reporting_container, "child_view")):
        with pytest.raises(Forbidden) as refused:
            call(container, method, child, as_token=OFFICER_THERE)
        assert str(refused.value) == f"Child {child} lies outside the token's areas ({NEIGHBOUR})."


def test_an_officer_reads_neither_the_due_list_the_roster_nor_the_figures_of_another_commune(
        platform, health_container, education_container, reporting_container):
    child = platform.born_here()["child_id"]
    enrolment = make_enrolment(child, start_date="2026-04-15", level="creche", school_year="2025-2026")
    write_and_wait(education_container, "record_enrolment", [enrolment],
                   [(reporting_container, "handle_education_enrolment_recorded")])
    assert [r["child_id"] for r in call(health_container, "due_vaccinations", COMMUNE, AS_OF,
                                        as_token=OFFICER_HERE)][:1] == [child]
    assert [r["child_id"] for r in call(education_container, "school_roster", enrolment["school_code"],
                                        "2025-2026", as_token=OFFICER_HERE)] == [child]
    assert call(education_container, "enrolments_for", child, as_token=OFFICER_HERE)[0]["enrolment_id"] == (
        enrolment["record_id"])
    assert call(reporting_container, "indicators", COMMUNE, AS_OF, as_token=OFFICER_HERE)["area"]["code"] == (
        COMMUNE)
    refusals = [(health_container, "due_vaccinations", (COMMUNE, AS_OF)),
                (education_container, "school_roster", (enrolment["school_code"], "2025-2026")),
                (education_container, "enrolments_for", (child,)),
                (reporting_container, "indicators", (COMMUNE, AS_OF)),
                (reporting_container, "indicators", ("12", AS_OF))]
    for container, method, args in refusals:
        with pytest.raises(Forbidden, match="outside the token's areas"):
            call(container, method, *args, as_token=OFFICER_THERE)


def test_a_protection_officer_of_another_commune_cannot_read_the_case_and_the_audit_names_them(
        platform, protection_container, reporting_container):
    child = platform.born_here()["child_id"]
    case = make_case(child, opened_on="2026-03-01")
    with entrypoint_waiter(reporting_container, "handle_protection_case_opened"):
        call(protection_container, "open_case", case)
    there = make_token(communes=(NEIGHBOUR,), user_id="officer-of-03391")
    with pytest.raises(Forbidden):
        call(protection_container, "get_case", case["case_id"], as_token=there)
    assert call(protection_container, "get_case", case["case_id"], as_token=make_token())["child_id"] == child
    log = call(protection_container, "audit_log", child, as_token=make_token("auditor", communes=()))
    assert [(e["user_id"], e["system"], e["outcome"]) for e in reversed(log)] == [
        ("officer-of-03391", "tests", "refused"), ("protection_officer-1", "tests", "granted"),
        ("auditor-1", "tests", "granted")]


def test_the_event_log_is_for_the_platforms_services_only(registry_container):
    with pytest.raises(Forbidden, match="read:event_log needs one of the roles service"):
        call(registry_container, "events_since", 0, 10, as_token=PROVINCE_OFFICER)


def test_http_answers_401_without_a_token_and_403_outside_the_area(platform, reporting_container,
                                                                   health_container, education_container):
    def get(container, path, params, headers=None):
        host = container.config["WEB_SERVER_ADDRESS"]
        return requests.get(f"http://{host}{path}", params=params, headers=headers or {}, timeout=10)

    report = {"area": COMMUNE, "as_of": AS_OF}
    due = {"commune_code": COMMUNE, "as_of": AS_OF}
    missing = get(reporting_container, "/indicators", report)
    assert (missing.status_code, missing.headers["WWW-Authenticate"], missing.json()["error"]) == (
        401, 'Bearer realm="ecd-platform"', "Unauthenticated")
    page = get(reporting_container, "/indicators", {**report, "format": "html"}, bearer(OFFICER_THERE))
    assert (page.status_code, "Không có quyền / not allowed" in page.text) == (403, True)
    assert get(reporting_container, "/indicators", report, bearer(OFFICER_HERE)).status_code == 200
    assert get(health_container, "/due-vaccinations", due).status_code == 401
    assert get(health_container, "/due-vaccinations", due, bearer(OFFICER_THERE)).status_code == 403
    assert get(health_container, "/due-vaccinations", due, bearer(OFFICER_HERE)).status_code == 200
    enrolment = make_enrolment(platform.born_here()["child_id"], start_date="2026-04-15", level="creche",
                               school_year="2025-2026")
    call(education_container, "record_enrolment", enrolment)
    for year in ("2025-2026", "2024-2025"):  # a year without pupils shows the school's commune too
        roster = {"school_code": enrolment["school_code"], "school_year": year}
        assert get(education_container, "/school-roster", roster, bearer(OFFICER_THERE)).status_code == 403
        assert get(education_container, "/school-roster", roster, bearer(OFFICER_HERE)).status_code == 200
    package = {"commune": COMMUNE, "as_of": "30/06/2026"}
    assert get(reporting_container, "/package/missing", package, bearer(OFFICER_THERE)).status_code == 403
    assert get(reporting_container, "/package/missing", package, bearer(OFFICER_HERE)).status_code == 200


def test_a_caller_in_another_language_reads_the_refusal_and_its_fields_as_plain_json(registry_container):
    amqp = registry_container.config["AMQP_URI"]
    refused = raw_rpc(amqp, "registry", "register_birth", [make_birth()])["error"]
    assert (refused["exc_type"], refused["reason"]) == (
        "Unauthenticated", "Token refused: no token (send it as the AMQP header nameko.authorization, "
        "nameko's context data 'authorization', or HTTP's Authorization: Bearer <token>).")
    bad = raw_rpc(amqp, "registry", "register_birth", [make_birth(child_id="12")], token=REGISTRAR)["error"]
    assert (bad["exc_type"], bad["errors"]) == ("ValidationFailed",
                                                {"child_id": ["Must be exactly 12 digits."]})
    answer = raw_rpc(amqp, "registry", "register_birth", [make_birth()], token="Bearer " + REGISTRAR)
    assert (answer["error"], answer["result"]["event_type"]) == (None, "birth_registered")


def test_reads_take_named_arguments_from_any_caller(platform, health_container):
    child = platform.born_here()["child_id"]
    amqp = health_container.config["AMQP_URI"]
    reply = raw_rpc(amqp, "health", "due_vaccinations", [], token=OFFICER_HERE,
                    kwargs={"commune_code": COMMUNE, "as_of": AS_OF})
    assert (reply["error"], reply["result"][0]["child_id"]) == (None, child)


def test_refused_reads_of_a_child_are_audited_in_the_registry_and_education_naming_the_verified_user(
        platform, registry_container, education_container):
    child = platform.born_here()["child_id"]
    auditor = make_token("auditor", communes=(), user_id="auditor-1", purpose="quarterly audit")
    for container, method in ((registry_container, "get_child"), (education_container, "enrolments_for")):
        with pytest.raises(Forbidden):
            call(container, method, child, as_token=OFFICER_THERE)
        with pytest.raises(Unauthenticated):
            call(container, method, child, as_token="")
        call(container, method, child, as_token=OFFICER_HERE)  # granted reads are not logged here
        log = call(container, "audit_log", child, as_token=auditor)
        assert [(e["user_id"], e["system"], e["action"], e["outcome"]) for e in reversed(log)] == [
            ("officer-of-03391", "tests", method, "refused"),
            ("unauthenticated", None, method, "refused"),
            ("auditor-1", "tests", "read_audit_log", "granted")]


def test_a_write_placed_outside_the_writers_areas_is_refused_and_stores_nothing(registry_container,
                                                                               health_container,
                                                                               health_db, platform):
    child = platform.born_here()["child_id"]
    far_health_worker = make_token("health_worker", communes=("00004",), user_id="hw-hanoi")
    with pytest.raises(Forbidden, match="placed in commune 03388, outside the token's areas \\(00004\\)"):
        call(health_container, "record_vaccination", make_vaccination(child, given_on="2026-03-10"),
             as_token=far_health_worker)
    health_db.rollback()
    assert health_db.scalar(select(func.count()).select_from(HealthRecord)) == 0
    here = make_token("health_worker", user_id="hw-03388")
    dose = make_vaccination(child, given_on="2026-03-10")
    assert call(health_container, "record_vaccination", dose, as_token=here)["status"] == "accepted"


def test_a_protection_officer_elsewhere_cannot_tell_whether_a_child_has_a_case(platform, protection_container,
                                                                                reporting_container):
    with_case, without = platform.born_here()["child_id"], platform.born_here()["child_id"]
    with entrypoint_waiter(reporting_container, "handle_protection_case_opened"):
        call(protection_container, "open_case", make_case(with_case, opened_on="2026-03-01"))
    there = make_token(communes=(NEIGHBOUR,), user_id="officer-of-03391")
    answers = [call(protection_container, "cases_for_child", child, as_token=there)
               for child in (with_case, without)]
    officer_here = make_token("commune_officer", user_id="officer-of-03388")
    views = [call(reporting_container, "child_view", child, as_token=officer_here)["protection"]
             for child in (with_case, without)]
    assert answers == [[], []]
    assert views[0] == views[1] == {
        "withheld": "Protection data are shown only to protection officers of the child's communes."}


def test_only_an_issuer_that_lists_it_may_grant_the_service_role(registry_container, tmp_path):
    folder = trust_folder()
    issuers = json.loads((folder / "issuers.json").read_text())
    assert issuers["issuers"]["ecd-services"]["roles"] == ["service"]
    keycloak_like = {**issuers, "issuers": {"ecd-dev": {"jwks_file": str(folder / "dev.jwks.json")}}}
    (tmp_path / "issuers.json").write_text(json.dumps(keycloak_like))
    service_claim = token("service", system="reporting")
    context = CallerContext(Issuers.from_file(tmp_path / "issuers.json"), service_claim)
    with pytest.raises(Unauthenticated, match="Issuer 'ecd-dev' may not grant the roles service"):
        assert context.identity is None
