"""Protection's RPCs tried as a hostile caller would (hypothesis), as ``test_hostile_input`` does for
the registry: a typed error or an answer; a rejected call stores nothing; an accepted write publishes
an event reporting can store; no read answers anything but a result, ``Forbidden`` or another
typed error, whatever the caller claims to be."""


import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from services.protection.orm import CaseNote, Episode, OutboxMessage, ProtectionBase, Record
from services.protection.service import ProtectionService
from shared.exceptions import PlatformError
from tests.support.factories import make_allowance, make_case, make_case_update
from tests.support.hostile import FUZZ, Sessions, arguments, attempt, mutations, relay_double
from tests.support.hostile import write_and_read as hostile_write

MODELS = (Record, OutboxMessage, CaseNote, Episode)
CIPHER = Fernet(Fernet.generate_key())
BASE_CASE = make_case(case_id="BASE-CASE", record_id="base-case")


@pytest.fixture
def protection(clean_infra):
    sessions = Sessions(clean_infra.db_url("protection"), ProtectionBase)
    sessions.run(ProtectionService, "open_case", BASE_CASE, relay=relay_double(), cipher=CIPHER)
    yield sessions
    sessions.engine.dispose()


def write(protection, reporting, method, *args):
    return hostile_write(protection, MODELS, OutboxMessage, ProtectionService, reporting, method, *args,
                         cipher=CIPHER)


@FUZZ
@given(record=st.builds(make_case).flatmap(mutations))
def test_open_case_answers_or_names_a_field(protection, reporting_sessions, record):
    write(protection, reporting_sessions, "open_case", record)


@FUZZ
@given(record=st.builds(make_case_update, st.just("BASE-CASE")).flatmap(mutations))
def test_update_case_answers_or_names_a_field(protection, reporting_sessions, record):
    write(protection, reporting_sessions, "update_case", record)


@FUZZ
@given(record=st.builds(make_allowance, st.just(BASE_CASE["child_id"])).flatmap(mutations))
def test_grant_allowance_answers_or_names_a_field(protection, reporting_sessions, record):
    write(protection, reporting_sessions, "grant_allowance", record)


@FUZZ
@given(args=arguments(st.just("BASE-CASE")))
def test_get_case_answers_or_refuses_whoever_asks(protection, args):
    answer = attempt(protection, MODELS, ProtectionService, "get_case", *args, cipher=CIPHER)
    assert isinstance(answer, dict | PlatformError)
