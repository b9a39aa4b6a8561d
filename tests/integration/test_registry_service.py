"""The registry service on PostgreSQL and RabbitMQ, driven through its RPC entrypoints."""

import pytest
from sqlalchemy import func, select

from services.registry.orm import Child, OutboxMessage, Record
from services.registry.service import RegistryService
from shared.exceptions import Conflict, NotFound, ValidationFailed
from tests.support.factories import make_birth, make_card, make_death, make_move
from tests.support.hooks import call


def row_counts(db):
    db.rollback()  # see what the service committed
    return tuple(db.scalar(select(func.count()).select_from(model))
                 for model in (Record, Child, OutboxMessage))


class TestRegisterBirth:
    def test_stores_the_record_and_its_event_in_one_transaction(self, registry_container,
                                                                      registry_db):
        birth = make_birth(date_of_birth="2024-03-01", registration_date="2024-05-15")
        answer = call(registry_container, "register_birth", birth)
        assert (answer["on_time"], answer["days_to_registration"]) == (False, 75)
        assert row_counts(registry_db) == (1, 1, 1)
        message = registry_db.scalars(select(OutboxMessage)).one()
        assert message.event_id == answer["event_id"]
        assert message.envelope["area_code"] == "03388"
        assert message.envelope["payload"]["on_time"] is False

    def test_a_retry_with_the_same_record_id_returns_the_first_answer_and_stores_nothing(
            self, registry_container, registry_db):
        birth = make_birth()
        first = call(registry_container, "register_birth", birth)
        assert call(registry_container, "register_birth", birth) == first
        assert row_counts(registry_db) == (1, 1, 1)

    def test_the_same_child_with_other_data_is_a_conflict(self, registry_container, registry_db):
        birth = make_birth()
        call(registry_container, "register_birth", birth)
        with pytest.raises(Conflict):
            call(registry_container, "register_birth",
                 dict(birth, record_id="other", full_name="Lò Văn B"))
        assert row_counts(registry_db) == (1, 1, 1)

    @pytest.mark.parametrize("override, field, message", [
        ({"child_id": "12345"}, "child_id", "Must be exactly 12 digits."),
        ({"date_of_birth": "2099-01-01", "registration_date": "2099-02-01"}, "date_of_birth",
         "Must not be in the future (today is {today})."),
        ({"date_of_birth": "2024-03-01", "registration_date": "2024-02-01"}, "registration_date",
         "Must not be before date_of_birth (2024-03-01)."),
        ({"commune_code": "99999"}, "commune_code",
         "Unknown commune '99999' on the legacy map in force on 2024-03-21."),
        ({"commune_code": "3388"}, "commune_code", "Must be 5 digits."),
        ({"sex": "boy"}, "sex", "Must be one of: male, female."),
        ({"date_of_birth": "1 March 2024"}, "date_of_birth", "Not a valid date."),
        ({"full_name": None}, "full_name", "Field may not be null."),
        ({"nickname": "Bống"}, "nickname", "Unknown field."),
    ])
    def test_bad_input_names_its_field_and_stores_nothing(self, registry_container, registry_db,
                                                          override, field, message):
        from shared.rules.clock import today

        with pytest.raises(ValidationFailed) as error:
            call(registry_container, "register_birth", make_birth(**override))
        assert error.value.errors[field] == [message.format(today=today())]
        assert row_counts(registry_db) == (0, 0, 0)


class TestLaterRecords:
    def test_get_child_folds_moves_cards_and_death(self, registry_container):
        birth = make_birth()
        call(registry_container, "register_birth", birth)
        child_id = birth["child_id"]
        call(registry_container, "change_residence", make_move(child_id, commune_code="03391"))
        call(registry_container, "issue_insurance_card", make_card(child_id, card_number="TE9"))
        call(registry_container, "record_death", make_death(child_id, date_of_death="2024-09-01"))
        child = call(registry_container, "get_child", child_id)
        assert (child["commune_code"], child["residence_since"], child["card"]["card_number"],
                child["date_of_death"]) == ("03391", "2024-06-01", "TE9", "2024-09-01")

    def test_voiding_a_move_restores_the_previous_residence_and_publishes_the_void(
            self, registry_container, registry_db):
        birth = make_birth()
        call(registry_container, "register_birth", birth)
        move = make_move(birth["child_id"])
        call(registry_container, "change_residence", move)
        answer = call(registry_container, "void_record", move["record_id"], "wrong commune")
        assert answer["voided_record_id"] == move["record_id"]
        assert call(registry_container, "get_child", birth["child_id"])["commune_code"] == "03388"
        assert call(registry_container, "void_record", move["record_id"], "wrong commune") == answer
        assert row_counts(registry_db) == (3, 1, 3)

    def test_voiding_a_birth_unregisters_the_child(self, registry_container):
        birth = make_birth()
        call(registry_container, "register_birth", birth)
        call(registry_container, "void_record", birth["record_id"], "duplicate registration")
        with pytest.raises(NotFound):
            call(registry_container, "get_child", birth["child_id"])

    def test_a_card_for_an_unknown_child_is_not_found_and_stores_nothing(self, registry_container,
                                                                       registry_db):
        with pytest.raises(NotFound):
            call(registry_container, "issue_insurance_card", make_card("012324999999"))
        assert row_counts(registry_db) == (0, 0, 0)

    def test_a_card_valid_to_before_issue_names_valid_to(self, registry_container, registry_db):
        birth = make_birth()
        call(registry_container, "register_birth", birth)
        with pytest.raises(ValidationFailed) as error:
            call(registry_container, "issue_insurance_card",
                 make_card(birth["child_id"], issued_on="2024-05-01", valid_to="2024-04-30"))
        assert error.value.errors == {"valid_to": ["Must not be before issued_on (2024-05-01)."]}
        assert row_counts(registry_db) == (1, 1, 1)


def test_events_since_serves_the_ordered_event_log(registry_container):
    births = [make_birth() for _ in range(3)]
    answers = [call(registry_container, "register_birth", birth) for birth in births]
    log = call(registry_container, "events_since", 1, 10)
    assert [entry["position"] for entry in log] == [2, 3]
    assert [entry["envelope"]["event_id"] for entry in log] == [a["event_id"] for a in answers[1:]]


def test_an_event_type_no_one_receives_does_not_hold_back_the_others(container_factory, service_config,
                                                                    registry_db):
    from kombu import Connection, Exchange, Queue

    registry_container = container_factory(RegistryService, service_config(
        "registry", OUTBOX_UNROUTED_RETRY_SECONDS=0))  # the timer may try an unrouted event again at once
    registry_container.start()

    first, second = make_birth(), make_birth()
    call(registry_container, "register_birth", first)
    call(registry_container, "issue_insurance_card", make_card(first["child_id"]))
    call(registry_container, "register_birth", second)
    cards = Queue("cards-only", Exchange("registry.events", type="topic", durable=True),
                  routing_key="insurance_card_issued")
    with Connection(registry_container.config["AMQP_URI"]) as conn:
        cards(conn.channel()).declare()
        try:
            call(registry_container, "relay_outbox")
            registry_db.rollback()
            sent = dict(registry_db.execute(select(OutboxMessage.position, OutboxMessage.sent_at)).all())
        finally:
            cards(conn.channel()).delete()
    assert [position for position, at in sorted(sent.items()) if at is not None] == [2]
