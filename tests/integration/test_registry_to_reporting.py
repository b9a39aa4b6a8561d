"""Registry and reporting containers talking through the real RabbitMQ, on PostgreSQL."""

import pytest
from kombu import Connection
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import select

from services.registry.orm import OutboxMessage
from shared.exceptions import Forbidden, ValidationFailed
from shared.plumbing.consumer import ATTEMPTS_HEADER, ERROR_HEADER, dead_letter_queue_name
from tests.support.factories import make_birth, make_birth_envelope, make_card, make_move
from tests.support.hooks import call

REGISTRY_INDICATORS = ("birth_registration_on_time", "under5_registered", "under6_insurance_card_coverage")


def register_and_wait(registry, reporting, method, record, handler):
    with entrypoint_waiter(reporting, handler):
        return call(registry, method, record)


def dispatch_and_wait(config, reporting, envelope, handler=None):
    handler = handler or f"handle_registry_{envelope['event_type']}"
    with entrypoint_waiter(reporting, handler):
        event_dispatcher(config)("registry", envelope["event_type"], envelope)


def test_a_registered_birth_reaches_the_child_view(registry_container, reporting_container,
                                                    registry_db):
    birth = make_birth(date_of_birth="2024-03-01", registration_date="2024-03-10")
    register_and_wait(registry_container, reporting_container, "register_birth", birth,
                      "handle_registry_birth_registered")
    view = call(reporting_container, "child_view", birth["child_id"])
    assert (view["registered"], view["on_time"], view["legacy_district"], view["current_commune"]) == (
        True, True, "105", "03388")
    registry_db.rollback()
    assert registry_db.scalars(select(OutboxMessage.sent_at)).one() is not None


def test_an_event_no_queue_would_receive_stays_in_the_outbox(registry_container, registry_db):
    call(registry_container, "register_birth", make_birth())
    registry_db.rollback()
    assert registry_db.scalars(select(OutboxMessage.sent_at)).one() is None


def test_a_redelivered_event_changes_nothing(reporting_container, reporting_db):
    config = reporting_container.config
    envelope = make_birth_envelope()
    dispatch_and_wait(config, reporting_container, envelope)
    dispatch_and_wait(config, reporting_container, envelope)
    assert call(reporting_container, "view_stats") == {
        "children": 1, "registered": 1, "processed_events": 1}


def test_moves_and_voids_apply_in_any_order(registry_container, reporting_container):
    birth = make_birth()
    child_id = birth["child_id"]
    register_and_wait(registry_container, reporting_container, "register_birth", birth,
                      "handle_registry_birth_registered")
    move = make_move(child_id, commune_code="00004", moved_on="2025-08-01")  # Hà Nội, 2025 map
    register_and_wait(registry_container, reporting_container, "change_residence", move,
                      "handle_registry_residence_changed")
    moved = call(reporting_container, "child_view", child_id)
    assert (moved["current_province"], moved["legacy_commune"]) == ("01", None)
    with entrypoint_waiter(reporting_container, "handle_registry_record_voided"):
        call(registry_container, "void_record", move["record_id"], "typo")
    back = call(reporting_container, "child_view", child_id)
    assert (back["commune_code"], back["current_province"]) == ("03388", "12")


def test_a_card_that_arrives_before_the_birth_is_not_lost(reporting_container):
    config = reporting_container.config
    birth = make_birth_envelope()
    card = dict(birth, event_id="c" * 32, event_type="insurance_card_issued",
                payload={"record_id": "card-x", "card_number": "TE1", "issued_on": "2024-04-01",
                         "valid_to": "2030-03-31"})
    dispatch_and_wait(config, reporting_container, card)
    with pytest.raises(Forbidden, match="lies outside the token's areas"):  # where it lives is not known yet
        call(reporting_container, "child_view", birth["child_id"])
    dispatch_and_wait(config, reporting_container, birth)
    view = call(reporting_container, "child_view", birth["child_id"])
    assert (view["registered"], view["card_number"]) == (True, "TE1")


def test_a_failing_event_is_retried_then_dead_lettered_not_dropped(reporting_container):
    config = reporting_container.config
    poison = make_birth_envelope()
    poison["payload"]["sex"] = "unknown"
    attempts = []
    with entrypoint_waiter(reporting_container, "handle_registry_birth_registered",
                           callback=lambda ctx, result, exc_info: attempts.append(1) or
                           len(attempts) == 3):
        event_dispatcher(config)("registry", "birth_registered", poison)
    with Connection(config["AMQP_URI"]) as conn:
        queue = conn.SimpleQueue(dead_letter_queue_name("reporting"))
        message = queue.get(block=True, timeout=10)
        message.ack()
        queue.close()
    assert message.payload["event_id"] == poison["event_id"]
    assert message.headers[ATTEMPTS_HEADER] == 3
    assert "payload.sex" in message.headers[ERROR_HEADER]
    assert call(reporting_container, "view_stats")["processed_events"] == 0


def test_indicators_count_the_area_on_the_map_in_force(registry_container, reporting_container):
    late = make_birth(date_of_birth="2024-01-10", registration_date="2024-04-10")
    on_time = make_birth(date_of_birth="2024-02-10", registration_date="2024-02-20")
    for birth in (late, on_time):
        register_and_wait(registry_container, reporting_container, "register_birth", birth,
                          "handle_registry_birth_registered")
    register_and_wait(registry_container, reporting_container, "issue_insurance_card",
                      make_card(on_time["child_id"], issued_on="2024-03-01", valid_to="2029-09-30"),
                      "handle_registry_insurance_card_issued")
    legacy = call(reporting_container, "indicators", "105", "2024-12-31")
    assert legacy["area"] == {"code": "105", "level": "district", "map": "legacy",
                              "name": "Thành phố Lai Châu", "parents": [
                                  {"level": "province", "code": "12", "name": "Tỉnh Lai Châu"}]}
    assert {key: legacy["indicators"][key] for key in REGISTRY_INDICATORS} == {
        "birth_registration_on_time": {"numerator": 1, "denominator": 2, "value": 0.5},
        "under5_registered": {"numerator": 2, "denominator": None, "value": 2},
        "under6_insurance_card_coverage": {"numerator": 1, "denominator": 2, "value": 0.5},
    }
    current = call(reporting_container, "indicators", "03388", "2025-12-31")
    assert current["indicators"]["under6_insurance_card_coverage"] == {
        "numerator": 1, "denominator": 2, "value": 0.5}
    assert current["indicators"]["birth_registration_on_time"]["denominator"] == 0
    february_on = call(reporting_container, "indicators", "12", "2024-12-31", {"start": "2024-02-01"})
    assert february_on["period"] == {"start": "2024-02-01", "end": "2024-12-31"}
    assert february_on["indicators"]["birth_registration_on_time"] == {
        "numerator": 1, "denominator": 1, "value": 1.0}


@pytest.mark.parametrize("args, errors", [
    (("12", "2024-12-31", {"end": "2025-01-01"}), {"period.end": ["Must not be after as_of."]}),
    (("12", "2024-12-31", {"start": "2024-06-01", "end": "2024-05-01"}),
     {"period.start": ["Must not be after the end of the period."]}),
    (("12", "31/12/2024"), {"as_of": ["Not a valid date."]}),
    (("99", "2024-12-31"), {"area_code": [
        "'99' is no province, district or commune on the legacy map in force on 2024-12-31."]}),
    (("105", "2025-12-31"), {"area_code": [
        "'105' is no province, district or commune on the 2025 map in force on 2025-12-31."]}),
])
def test_a_bad_indicator_query_names_its_field(reporting_container, args, errors):
    with pytest.raises(ValidationFailed) as error:
        call(reporting_container, "indicators", *args)
    assert error.value.errors == errors


def test_an_operator_can_list_and_replay_dead_letters(reporting_container):
    from tools.dead_letters import replay_dead_letters

    config = reporting_container.config
    poison = make_birth_envelope()
    poison["payload"]["on_time"] = "maybe"

    def three_attempts():
        attempts = []
        return entrypoint_waiter(reporting_container, "handle_registry_birth_registered",
                                 callback=lambda *_: attempts.append(1) or len(attempts) == 3)

    with three_attempts():
        event_dispatcher(config)("registry", "birth_registered", poison)
    listed = wait_for_dead_letters(config["AMQP_URI"])
    assert [(e["event_id"], e["attempts"], e["queue"]) for e in listed] == [
        (poison["event_id"], 3, "evt-registry-birth_registered--reporting.handle_registry_birth_registered")]
    assert "payload.on_time" in listed[0]["error"]
    with three_attempts():  # replayed with its attempts reset: three more tries, then parked again
        assert replay_dead_letters(config["AMQP_URI"], "reporting", "classic") == 1
    assert [e["attempts"] for e in wait_for_dead_letters(config["AMQP_URI"])] == [3]


def wait_for_dead_letters(amqp_uri):
    """The dead letter is published after the handler's last attempt returns: wait for the queue."""
    from tools.dead_letters import list_dead_letters

    with Connection(amqp_uri) as conn:
        queue = conn.SimpleQueue(dead_letter_queue_name("reporting"))
        message = queue.get(block=True, timeout=10)  # blocks until it arrives, no sleep
        message.requeue()
        queue.close()
    return list_dead_letters(amqp_uri, "reporting", "classic")
