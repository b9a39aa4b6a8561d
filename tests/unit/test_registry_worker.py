"""The registry's entrypoints as plain calls (nameko ``worker_factory``): SQLite, no broker."""

from datetime import UTC, datetime
from unittest.mock import Mock

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.registry.orm import OutboxMessage, RegistryBase
from services.registry.service import RegistryService
from shared.exceptions import Conflict, ValidationFailed
from shared.plumbing.db import make_engine
from tests.support.factories import make_birth
from tests.support.identities import caller_context

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
