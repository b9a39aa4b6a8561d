"""Children before their personal ID, on the real RabbitMQ and PostgreSQL: health records a newborn
under a provisional id and gives its birth dose; the registry registers the birth 40 days later and
links the two by rule; health then answers under the personal ID with the birth dose, and an unlink
splits them again exactly. A weaker match waits in the review queue for an officer; every bad link
is a typed error naming the field that stores and publishes nothing; a provisional child recorded
while the registry was down is caught up."""

import pytest
from sqlalchemy import func, select

from services.health.orm import OutboxMessage as HealthOutbox
from services.health.orm import Record as HealthRecord
from services.health.repository import HealthStore
from services.registry.metrics import linking_metrics
from services.registry.orm import MatchReview, ProvisionalChild
from services.registry.orm import OutboxMessage as RegistryOutbox
from services.registry.orm import Record as RegistryRecord
from shared.contracts.identity import mint_provisional_id
from shared.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from shared.rules.clock import today
from tests.support.factories import (
    COMMUNE,
    make_birth,
    make_case,
    make_provisional_child,
    make_token,
    make_vaccination,
    personal_id,
)
from tests.support.hooks import call, write_and_wait

REGISTRAR = make_token("civil_registrar", user_id="registrar-03388")
HEALTH_WORKER = make_token("health_worker", user_id="hw-03388")
OFFICER = make_token("protection_officer", user_id="po-03388")
AS_OF = "2024-05-15"


def record_provisional(health, registry, **overrides):
    record = make_provisional_child(**overrides)
    answer = write_and_wait(health, "record_provisional_child", [record],
                            [(registry, "handle_health_provisional_child_recorded")])
    return record, answer


def register(registry, health, birth, waits=("birth_registered", "identity_linked")):
    return write_and_wait(registry, "register_birth", [birth],
                          [(health, f"handle_registry_{event}") for event in waits])


def due(health):
    return call(health, "due_vaccinations", COMMUNE, AS_OF, as_token=HEALTH_WORKER)


def rows_of(rows, child_id):
    return [row for row in rows if row["child_id"] == child_id]


def counts(session, *models):
    session.expire_all()
    return [session.scalar(select(func.count()).select_from(model)) for model in models]


def test_a_birth_dose_under_a_provisional_id_counts_for_the_registered_child_until_an_unlink(
        registry_container, health_container, registry_db, health_db):
    record, answer = record_provisional(health_container, registry_container)
    provisional_id = mint_provisional_id("health", record["record_id"])
    assert (answer["provisional_id"], answer["child_id"], answer["status"]) == (
        provisional_id, provisional_id, "accepted")
    birth_dose = make_vaccination(provisional_id, antigen="hepb_birth", dose=1, given_on="2024-03-01")
    bcg = make_vaccination(provisional_id, antigen="bcg", dose=1, given_on="2024-03-01")
    assert call(health_container, "record_vaccination", birth_dose)["valid"] is True
    assert call(health_container, "record_vaccination", bcg)["valid"] is True
    before = due(health_container)
    assert {row["child_id"] for row in before} == {provisional_id}

    birth = make_birth(full_name="Lò Thị Hoa", mother_name="Lò Thị Mai", registration_date="2024-04-10",
                       carer_name="Lò Thị Mai", village="Bản Nà")
    automatic = linking_metrics().automatic_links._value.get()
    register(registry_container, health_container, birth)
    assert linking_metrics().automatic_links._value.get() == automatic + 1
    child_id = birth["child_id"]
    link_record_id = f"auto-{provisional_id}-{child_id}"
    link = registry_db.get(RegistryRecord, link_record_id)
    assert (link.event_type, link.child_id, link.payload) == ("identity_linked", child_id, {
        "record_id": link_record_id, "provisional_id": provisional_id, "child_id": child_id, "score": 17.2553,
        "linked_by": "rule:auto-match", "linked_on": today().isoformat()})
    assert link.written_by == {"system": "registry", "user_id": "rule:auto-match"}

    store = HealthStore(health_db)
    assert sorted((f.record_id, f.event_type) for f in store.facts_for(child_id)) == sorted([
        (record["record_id"], "provisional_child_recorded"),
        (birth_dose["record_id"], "vaccination_recorded"), (bcg["record_id"], "vaccination_recorded")])
    linked = due(health_container)
    assert linked == [{**row, "child_id": child_id, "full_name": "Lò Thị Hoa", "carer_name": "Lò Thị Mai",
                       "village": "Bản Nà"} for row in before]  # one child, its birth doses counted
    assert call(registry_container, "get_child", child_id)["provisional_ids"] == [provisional_id]

    write_and_wait(registry_container, "unlink_identities",
                   [{"record_id": "unlink-1", "link_record_id": link_record_id, "reason": "wrong_match"}],
                   [(health_container, "handle_registry_identity_unlinked")], as_token=REGISTRAR)
    apart = due(health_container)
    assert rows_of(apart, provisional_id) == before
    assert ("bcg", 1) in {(row["antigen"], row["dose"]) for row in rows_of(apart, child_id)}
    health_db.expire_all()
    assert [f.record_id for f in store.facts_for(child_id)] == []
    assert call(registry_container, "get_child", child_id)["provisional_ids"] == []
    [candidate] = call(registry_container, "find_matches", provisional_id, as_token=REGISTRAR)
    assert candidate == {"candidate_id": child_id, "score": 17.2553, "decision": "link", "levels": {
        "name": "missing", "mother": "exact", "dob": "exact", "sex": "same"}}
    twin = make_birth(full_name="Lò Thị Hương", mother_name="Lò Thị Mai")
    register(registry_container, health_container, twin, waits=("birth_registered",))
    registry_db.expire_all()
    assert registry_db.scalars(select(RegistryRecord.record_id).where(
        RegistryRecord.event_type == "identity_linked")).all() == [link_record_id]  # never again by rule


def test_a_weaker_match_waits_for_an_officer_who_links_it_and_other_roles_are_refused(
        registry_container, health_container, registry_db):
    record, _ = record_provisional(health_container, registry_container, sex="male")
    provisional_id = mint_provisional_id("health", record["record_id"])
    birth = make_birth(full_name="Lò Thị Hoa", mother_name="Lò Thị Mai")
    register(registry_container, health_container, birth, waits=("birth_registered",))
    [review] = call(registry_container, "match_reviews", COMMUNE, as_token=REGISTRAR)
    assert {key: value for key, value in review.items() if key not in ("review_id", "opened_at")} == {
        "provisional": {"child_id": provisional_id, "registered": False, "full_name": "con của Lò Thị Mai",
                        "sex": "male", "date_of_birth": "2024-03-01", "date_of_birth_estimated": False,
                        "mother_name": "Lò Thị Mai", "mother_id": None, "commune_code": COMMUNE,
                        "source": "health", "recorded_on": "2024-03-01"},
        "candidate": {"child_id": birth["child_id"], "registered": True, "full_name": "Lò Thị Hoa",
                      "sex": "female", "date_of_birth": "2024-03-01", "mother_name": "Lò Thị Mai",
                      "mother_id": None, "commune_code": COMMUNE, "registration_date": "2024-03-21"},
        "score": 10.5016, "commune_code": COMMUNE,  # above the link threshold, but a boy and a girl
        "levels": {"name": "missing", "mother": "exact", "dob": "exact", "sex": "different"}}
    call(registry_container, "measure_reviews")
    metrics = linking_metrics()
    assert metrics.open_reviews._value.get() == 1 and metrics.oldest_review_age._value.get() > 0
    link = {"record_id": "link-1", "provisional_id": provisional_id, "child_id": birth["child_id"]}
    with pytest.raises(Forbidden, match="link:identities needs one of the roles"):
        call(registry_container, "link_identities", link, as_token=HEALTH_WORKER)
    with pytest.raises(Forbidden, match="link:identities needs one of the roles"):
        call(registry_container, "match_reviews", COMMUNE, as_token=HEALTH_WORKER)
    answer = write_and_wait(registry_container, "link_identities", [link],
                            [(health_container, "handle_registry_identity_linked")], as_token=REGISTRAR)
    assert (answer["linked_to"], answer["score"]) == (birth["child_id"], 10.5016)
    assert registry_db.get(RegistryRecord, "link-1").payload == {
        "record_id": "link-1", "provisional_id": provisional_id, "child_id": birth["child_id"],
        "score": 10.5016,
        "linked_by": "registrar-03388", "linked_on": today().isoformat()}
    assert call(registry_container, "match_reviews", COMMUNE, as_token=REGISTRAR) == []
    call(registry_container, "measure_reviews")
    assert (metrics.open_reviews._value.get(), metrics.oldest_review_age._value.get()) == (0, 0)
    registry_db.expire_all()
    closed = registry_db.scalar(select(MatchReview))
    assert (closed.status, closed.closed_by, closed.closed_record_id) == (
        "linked", "registrar-03388", "link-1")


def test_an_officer_rejects_a_review_and_it_leaves_the_queue(registry_container, health_container):
    record, _ = record_provisional(health_container, registry_container, sex="male")
    provisional_id = mint_provisional_id("health", record["record_id"])
    birth = make_birth(full_name="Lò Thị Hoa", mother_name="Lò Thị Mai")
    register(registry_container, health_container, birth, waits=("birth_registered",))
    reject = {"record_id": "reject-1", "provisional_id": provisional_id, "child_id": birth["child_id"]}
    answer = call(registry_container, "reject_match", reject, as_token=REGISTRAR)
    assert (answer["status"], call(registry_container, "reject_match", reject, as_token=REGISTRAR)) == (
        "rejected", answer)
    assert call(registry_container, "match_reviews", COMMUNE, as_token=REGISTRAR) == []
    with pytest.raises(Conflict, match="provisional_id: the review .* is rejected already"):
        call(registry_container, "reject_match", {**reject, "record_id": "reject-2"}, as_token=REGISTRAR)


def test_every_bad_link_is_a_typed_error_naming_the_field_and_nothing_is_stored_or_published(
        registry_container, health_container, registry_db, health_db):
    first, _ = record_provisional(health_container, registry_container, full_name="Cầm Văn Tú",
                                  mother_name="Cầm Thị Lan", sex="male")
    second, _ = record_provisional(health_container, registry_container, full_name="Lường Thị Ngọc",
                                   mother_name="Lường Thị Xuân", date_of_birth="2024-02-01")
    one, two = (mint_provisional_id("health", r["record_id"]) for r in (first, second))
    birth = make_birth(full_name="Quàng Thị Dung", mother_name="Quàng Thị Hằng")
    register(registry_container, health_container, birth, waits=("birth_registered",))
    write_and_wait(registry_container, "link_identities",
                   [{"record_id": "link-ok", "provisional_id": one, "child_id": two}],
                   [(health_container, "handle_registry_identity_linked")], as_token=REGISTRAR)
    assert [f.record_id for f in HealthStore(health_db).facts_for(two)] == [
        first["record_id"], second["record_id"]]  # one child before any registration
    stored = counts(registry_db, RegistryRecord, RegistryOutbox, MatchReview)

    def refused(error, method, record, match=None):
        with pytest.raises(error, match=match) as raised:
            call(registry_container, method, record, as_token=REGISTRAR)
        return raised.value

    def link(provisional_id, child_id):
        return {"record_id": "link-bad", "provisional_id": provisional_id, "child_id": child_id}

    refused(NotFound, "link_identities", link(mint_provisional_id("education", "nobody"), birth["child_id"]),
            "provisional_id: no provisional child")
    refused(NotFound, "link_identities", link(two, personal_id()), "child_id: no registered child")
    assert refused(ValidationFailed, "link_identities", link(birth["child_id"], personal_id())).errors == {
        "child_id": ["Both hold a personal ID: two registered children are never merged."]}
    refused(Conflict, "link_identities", link(one, birth["child_id"]), "provisional_id: .* is already linked")
    assert refused(ValidationFailed, "link_identities", link(two, one)).errors == {
        "child_id": [f"{one} is already {two}: the link would make a cycle."]}
    refused(NotFound, "unlink_identities", {"record_id": "unlink-bad", "link_record_id": "no-such-link",
                                            "reason": "wrong_match"}, "link_record_id: no link no-such-link")
    with pytest.raises(Forbidden):
        call(registry_container, "unlink_identities", {"record_id": "unlink-bad", "link_record_id": "link-ok",
                                                       "reason": "wrong_match"}, as_token=HEALTH_WORKER)
    assert counts(registry_db, RegistryRecord, RegistryOutbox, MatchReview) == stored

    write_and_wait(registry_container, "unlink_identities",
                   [{"record_id": "unlink-ok", "link_record_id": "link-ok", "reason": "entered_in_error"}],
                   [(health_container, "handle_registry_identity_unlinked")], as_token=REGISTRAR)
    stored = counts(registry_db, RegistryRecord, RegistryOutbox, MatchReview)
    refused(Conflict, "unlink_identities", {"record_id": "unlink-again", "link_record_id": "link-ok",
                                            "reason": "wrong_match"},
            "link_record_id: link link-ok is already undone")
    assert counts(registry_db, RegistryRecord, RegistryOutbox, MatchReview) == stored


def test_a_bad_provisional_child_is_refused_naming_the_field_and_nothing_is_stored(
        health_container, health_db):
    cases = [({"full_name": None, "mother_name": None}, "full_name"),
             ({"date_of_birth": "2999-01-01", "recorded_on": "2999-01-02"}, "date_of_birth"),
             ({"recorded_on": "2024-02-01"}, "recorded_on"),
             ({"commune_code": "99999"}, "commune_code"),
             ({"mother_id": "12345"}, "mother_id")]
    for overrides, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            call(health_container, "record_provisional_child", make_provisional_child(**overrides))
        assert field in refused.value.errors, (overrides, refused.value.errors)
    assert counts(health_db, HealthRecord, HealthOutbox) == [0, 0]


def test_the_registry_catches_up_provisional_children_recorded_while_it_was_down(
        health_container, container_factory, service_config, registry_db):
    record = make_provisional_child()
    call(health_container, "record_provisional_child", record)  # the registry is not running
    from services.registry.service import RegistryService

    registry = container_factory(RegistryService, service_config("registry"))
    registry.start()
    caught = call(registry, "catch_up_provisional_children")
    assert caught["health"]["applied"] == 1
    assert caught["education"] == {"source": "education", "unreachable": "service education is not running"}
    assert call(registry, "catch_up_provisional_children")["health"]["applied"] == 0
    kept = registry_db.get(ProvisionalChild, mint_provisional_id("health", record["record_id"]))
    assert (kept.source, kept.full_name, kept.ward, kept.voided) == (
        "health", "con của Lò Thị Mai", COMMUNE, False)


def test_a_case_opened_for_an_abandoned_newborn_is_the_registered_childs_case_once_linked(
        registry_container, protection_container):
    newborn = make_provisional_child(full_name=None, mother_name="Không rõ", carer_name="Lò Văn Pọm",
                                     date_of_birth="2025-03-01", recorded_on="2025-03-02")
    answer = write_and_wait(protection_container, "record_provisional_child", [newborn],
                            [(registry_container, "handle_protection_provisional_child_recorded")])
    provisional_id = answer["provisional_id"]
    case = make_case(provisional_id, opened_on="2025-03-03")
    call(protection_container, "open_case", case)
    birth = make_birth(date_of_birth="2025-03-01", full_name="Lò Thị Hoa", registration_date="2025-04-20")
    write_and_wait(registry_container, "register_birth", [birth],
                   [(protection_container, "handle_registry_birth_registered")])
    assert call(protection_container, "cases_for_child", birth["child_id"], as_token=OFFICER) == []
    link = {"record_id": "link-case", "provisional_id": provisional_id, "child_id": birth["child_id"]}
    write_and_wait(registry_container, "link_identities", [link],
                   [(protection_container, "handle_registry_identity_linked")], as_token=REGISTRAR)
    [found] = call(protection_container, "cases_for_child", birth["child_id"], as_token=OFFICER)
    assert (found["case_id"], found["child_id"]) == (case["case_id"], provisional_id)


def test_a_provisional_child_recorded_after_the_birth_is_linked_when_it_arrives(
        registry_container, health_container, registry_db):
    birth = make_birth(full_name="Lò Thị Hoa", mother_name="Lò Thị Mai", mother_id="012190000123")
    call(registry_container, "register_birth", birth)
    record = make_provisional_child(mother_id="012190000123", recorded_on="2024-03-25")
    write_and_wait(health_container, "record_provisional_child", [record],
                   [(registry_container, "handle_health_provisional_child_recorded"),
                    (health_container, "handle_registry_identity_linked")])
    provisional_id = mint_provisional_id("health", record["record_id"])
    assert call(registry_container, "get_child", birth["child_id"])["provisional_ids"] == [provisional_id]
    registry_db.expire_all()
    link = registry_db.get(RegistryRecord, f"auto-{provisional_id}-{birth['child_id']}")
    assert link.payload["score"] == 16.3119


def test_the_registrys_own_provisional_child_is_matched_as_it_is_recorded(registry_container, registry_db):
    birth = make_birth(full_name="Lò Thị Hoa", mother_name="Lò Thị Mai")
    call(registry_container, "register_birth", birth)
    answer = call(registry_container, "record_provisional_child", make_provisional_child())
    assert answer["provisional_id"].startswith("TAM-R-")
    assert call(registry_container, "get_child", birth["child_id"])["provisional_ids"] == [
        answer["provisional_id"]]
    with pytest.raises(ValidationFailed) as refused:
        call(registry_container, "void_record", f"auto-{answer['provisional_id']}-{birth['child_id']}", "no")
    assert refused.value.errors == {"record_id": ["A link is undone with unlink_identities, not voided."]}
    outbox = counts(registry_db, RegistryOutbox)
    for record_id, child_id, other in ((birth["record_id"], birth["child_id"], answer["provisional_id"]),
                                       (answer["record_id"], answer["provisional_id"], birth["child_id"])):
        with pytest.raises(Conflict) as linked:
            call(registry_container, "void_record", record_id, "entered twice")
        assert str(linked.value) == (f"record_id: {child_id} is linked with another id ({other}); unlink it "
                                     "first (unlink_identities), then void.")
    assert counts(registry_db, RegistryOutbox) == outbox
    assert [r.voided for r in registry_db.scalars(select(RegistryRecord).where(
        RegistryRecord.record_id.in_([birth["record_id"], answer["record_id"]])))] == [False, False]


def test_an_officers_decisions_stand_a_link_supersedes_the_other_pair_and_a_rejection_is_never_linked_by_rule(
        registry_container, health_container, registry_db):
    """Twin girls of Lò Thị Mai are registered first; then two "con của Lò Thị Mai" records arrive, each
    as strong a match for either twin (and for each other): each pair goes to review, none is linked by
    rule. Linking the first to Hoa supersedes its pair with Hương; Hương rejected for the second stays
    rejected when her registration is retried (matching runs again)."""
    twins = [make_birth(full_name=name, mother_name="Lò Thị Mai") for name in ("Lò Thị Hoa", "Lò Thị Hương")]
    for twin in twins:
        call(registry_container, "register_birth", twin)
    first, _ = record_provisional(health_container, registry_container)
    second, _ = record_provisional(health_container, registry_container)
    one, two = (mint_provisional_id("health", r["record_id"]) for r in (first, second))
    hoa, huong = (twin["child_id"] for twin in twins)

    def reviews():
        registry_db.expire_all()
        rows = registry_db.scalars(select(MatchReview))
        return sorted((r.provisional_id, r.child_id, r.status) for r in rows)

    assert reviews() == sorted([(one, hoa, "open"), (one, huong, "open"), (two, hoa, "open"),
                                (two, huong, "open"), (two, one, "open")])
    write_and_wait(registry_container, "link_identities",
                   [{"record_id": "link-one", "provisional_id": one, "child_id": hoa}],
                   [(health_container, "handle_registry_identity_linked")], as_token=REGISTRAR)
    call(registry_container, "reject_match", {"record_id": "reject-two", "provisional_id": two,
                                              "child_id": huong}, as_token=REGISTRAR)
    assert reviews() == sorted([(one, hoa, "linked"), (one, huong, "superseded"), (two, hoa, "open"),
                                (two, huong, "rejected"), (two, one, "open")])
    call(registry_container, "register_birth", twins[1])  # a retry: matching runs again for Hương
    registry_db.expire_all()
    assert registry_db.scalars(select(RegistryRecord.record_id).where(
        RegistryRecord.event_type == "identity_linked")).all() == ["link-one"]


def test_a_twins_label_linked_to_the_first_twin_is_undone_by_rule_when_the_second_is_registered(
        registry_container, health_container, registry_db):
    """Twin girls of Lò Thị Mai: "con của Lò Thị Mai" is met when only Hoa is registered and links to
    her; Lan's birth matches the label as well, so the rule undoes its own link and an officer decides."""
    record, _ = record_provisional(health_container, registry_container)
    provisional_id = mint_provisional_id("health", record["record_id"])
    hoa = make_birth(full_name="Lò Thị Hoa", mother_name="Lò Thị Mai")
    register(registry_container, health_container, hoa)
    assert call(registry_container, "get_child", hoa["child_id"])["provisional_ids"] == [provisional_id]
    lan = make_birth(full_name="Lò Thị Lan", mother_name="Lò Thị Mai")
    register(registry_container, health_container, lan, waits=("birth_registered", "identity_unlinked"))
    assert call(registry_container, "get_child", hoa["child_id"])["provisional_ids"] == []
    assert call(registry_container, "get_child", lan["child_id"])["provisional_ids"] == []
    registry_db.expire_all()
    undone = registry_db.get(RegistryRecord, f"undo-{provisional_id}-{hoa['child_id']}")
    assert {key: undone.payload[key] for key in ("provisional_id", "child_id", "reason", "unlinked_by")} == {
        "provisional_id": provisional_id, "child_id": hoa["child_id"], "reason": "wrong_match",
        "unlinked_by": "rule:auto-match"}
    reviews = call(registry_container, "match_reviews", COMMUNE, as_token=REGISTRAR)
    pairs = sorted((r["provisional"]["child_id"], r["candidate"]["child_id"], r["score"]) for r in reviews)
    assert pairs == sorted([(provisional_id, hoa["child_id"], 17.2553),
                            (provisional_id, lan["child_id"], 17.2553)])
