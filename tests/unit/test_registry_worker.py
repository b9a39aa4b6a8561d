"""The registry's entrypoints as plain calls (nameko ``worker_factory``): SQLite, no broker."""

from datetime import UTC, datetime
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.registry.orm import Child, OutboxMessage, RegistryBase
from services.registry.service import RegistryService
from shared.contracts.batches import refusal
from shared.exceptions import Conflict, Forbidden, ValidationFailed
from shared.plumbing.db import make_engine
from shared.rules import access
from tests.support.factories import make_birth
from tests.support.identities import caller_context, token

LEASE_END = datetime(2026, 12, 1, 9, 0, 10, tzinfo=UTC)


@pytest.fixture
def session(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/registry.db")
    RegistryBase.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as db:
        yield db
    engine.dispose()


def a_relay() -> Mock:
    return Mock(claim_until=Mock(return_value=LEASE_END))


def test_a_birth_is_committed_with_its_event_claimed_then_handed_to_the_relay(session):
    relay = a_relay()
    service = worker_factory(RegistryService, db=session, caller=caller_context(), relay=relay)
    birth = make_birth()
    answer = service.register_birth(birth)
    staged = session.scalars(select(OutboxMessage)).one()
    relay.committed.assert_called_once_with(session, OutboxMessage, [staged])
    assert staged.envelope["event_id"] == answer["event_id"]
    assert staged.envelope["child_id"] == birth["child_id"]
    assert (staged.envelope["event_type"], staged.envelope["source"]) == ("birth_registered", "registry")
    assert (staged.claimed_until, staged.sent_at) == (LEASE_END, None)


def test_a_rejected_birth_reaches_neither_the_database_nor_the_relay(session):
    relay = a_relay()
    service = worker_factory(RegistryService, db=session, caller=caller_context(), relay=relay)
    with pytest.raises(ValidationFailed) as error:
        service.register_birth(make_birth(sex="other"))
    assert error.value.errors == {"sex": ["Must be one of: male, female."]}
    assert session.scalars(select(OutboxMessage)).all() == []
    relay.committed.assert_not_called()


def test_a_payload_that_is_not_a_dict_is_a_validation_error(session):
    service = worker_factory(RegistryService, db=session, caller=caller_context(), relay=Mock())
    with pytest.raises(ValidationFailed) as error:
        service.register_birth(["not", "a", "dict"])
    assert error.value.errors == {"_schema": ["Expected one object (a dict) of fields."]}


def test_a_refused_write_ends_its_transaction_before_the_caller_is_answered(session):
    service = worker_factory(RegistryService, db=session, caller=caller_context(), relay=a_relay())
    birth = make_birth()
    service.register_birth(birth)
    with pytest.raises(Conflict):
        service.register_birth({**birth, "full_name": "Lò Văn Khác"})
    assert session.in_transaction() is False  # else its locks live on while nameko sends the reply


def without_event_ids(answers: list[dict]) -> list[dict]:
    return [{key: value for key, value in answer.items() if key != "event_id"} for answer in answers]


@pytest.mark.parametrize("elsewhere", [False, True], ids=["in_its_areas", "one_birth_outside_them"])
def test_a_batch_of_births_answers_each_as_the_births_sent_one_by_one(tmp_path, elsewhere):
    """Registered before; twice in the batch with the same data and with other data; refused by the
    rules; outside the writer's areas (the batch goes round again with a SAVEPOINT per record)."""
    known = make_birth()
    again = make_birth()
    batch = [make_birth(), {**known, "record_id": "known-again"}, again, {**again, "record_id": "again-2"},
             {**again, "record_id": "again-3", "full_name": "Lò Văn Khác"}, make_birth(sex="other"),
             make_birth(commune_code="00004" if elsewhere else "03388"), make_birth()]
    in_lai_chau = token(*access.roles(), areas=["12"])
    answers = []
    for name in ("batched", "one_by_one"):
        engine = make_engine(f"sqlite:///{tmp_path}/{name}.db")
        RegistryBase.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as db:
            service = worker_factory(RegistryService, db=db, caller=caller_context(in_lai_chau),
                                     relay=a_relay(), config={})
            service.register_birth(known)
            if name == "batched":
                answers.append(service.register_births(batch))
            else:
                answers.append([single(service, record) for record in batch])
            answers.append(sorted(db.scalars(select(Child.child_id))))
        engine.dispose()
    assert without_event_ids(answers[0]) == without_event_ids(answers[2])
    assert answers[1] == answers[3]
    assert [answer["status"] for answer in answers[0]] == [
        "accepted", "accepted", "accepted", "accepted", "refused", "refused",
        "refused" if elsewhere else "accepted", "accepted"]


def single(service, record: dict) -> dict:
    """A single write's answer, or its refusal as a batch answers it."""
    try:
        return service.register_birth(record)
    except (ValidationFailed, Conflict, Forbidden) as error:
        return refusal(record["record_id"], error)
