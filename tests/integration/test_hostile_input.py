"""Every RPC tried as a hostile caller would (hypothesis): a typed error or an answer, nothing else;
a rejected call stores nothing; an accepted one publishes an event reporting can read and store.

Each entrypoint runs as a plain call (``worker_factory``) on the real PostgreSQL, one session per
call as in the running service. ``FUZZ_EXAMPLES`` sets the examples per test (120 by default; the
figures in the issue note come from ``make fuzz``, 1,000 each).
"""

from unittest.mock import Mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from nameko.testing.services import worker_factory
from sqlalchemy.orm import Session

from services.registry.orm import Child, OutboxMessage, Record, Referral, ReferralFact, RegistryBase
from services.registry.repository import RegistryRepository
from services.registry.service import RegistryService
from services.reporting.http_views import indicators_response
from services.reporting.orm import Fact, ProcessedEvent
from services.reporting.service import ReportingService
from services.reporting.use_cases import apply_event
from shared.contracts import SOURCES
from shared.exceptions import ValidationFailed
from shared.plumbing.metrics import service_metrics
from tests.support.factories import (
    make_birth,
    make_birth_envelope,
    make_card,
    make_death,
    make_move,
    make_referral,
    make_referral_answer,
)
from tests.support.hostile import FUZZ, VALUES, Sessions, arguments, attempt, mutations, relay_double, tainted
from tests.support.hostile import write_and_read as hostile_write
from tests.support.identities import caller_context

METRICS = service_metrics("reporting")
BASE_CHILD = make_birth(record_id="base-birth", date_of_birth="2024-03-01")
NOT_A_LIST = "Expected a list of records."


@pytest.fixture
def registry(clean_infra):
    sessions = Sessions(clean_infra.db_url("registry"), RegistryBase)
    sessions.run(RegistryService, "register_birth", BASE_CHILD, relay=relay_double())
    yield sessions
    sessions.engine.dispose()



def write_and_read(registry: Sessions, reporting: Sessions, method: str, *args) -> object:
    return hostile_write(registry, (Record, Child, OutboxMessage), OutboxMessage, RegistryService, reporting,
                         method, *args)


def fresh(factory, *args, texts: tuple[str, ...] = ()) -> st.SearchStrategy:
    """A new valid record (new record id, new child) for every example, then broken one way."""
    return st.builds(factory, *map(st.just, args)).flatmap(lambda r: mutations(r, texts))


@FUZZ
@given(record=fresh(make_birth, texts=("full_name", "ethnicity", "record_id", "child_id")))
@example(record=make_birth(full_name="Lò\ud800Mai"))
@example(record=make_birth(record_id="b\ud800"))
@example(record=make_birth(ethnicity="Thái\x00"))
def test_register_birth_answers_or_names_a_field(registry, reporting_sessions, record):
    write_and_read(registry, reporting_sessions, "register_birth", record)


@FUZZ
@given(case=tainted(st.builds(make_birth), ("full_name", "ethnicity", "record_id", "child_id"))
       | tainted(st.builds(make_card, st.just(BASE_CHILD["child_id"])), ("card_number", "record_id")))
def test_a_bad_character_in_any_text_or_id_is_refused_naming_its_field(registry, case):
    record, field = case
    method = "register_birth" if "full_name" in record else "issue_insurance_card"
    error = attempt(registry, (Record, Child, OutboxMessage), RegistryService, method, record,
                    relay=relay_double())
    assert isinstance(error, ValidationFailed)
    assert list(error.errors) == [field]


@FUZZ
@given(record=fresh(make_move, BASE_CHILD["child_id"]) | fresh(make_card, BASE_CHILD["child_id"])
       | fresh(make_death, BASE_CHILD["child_id"]),
       method=st.sampled_from(["change_residence", "issue_insurance_card", "record_death"]))
def test_later_registry_records_answer_or_name_a_field(registry, reporting_sessions, record, method):
    write_and_read(registry, reporting_sessions, method, record)


REFERRAL_TABLES = (Record, OutboxMessage, ReferralFact, Referral)
HEALTH_SENT = {"record_id": "h-sent", "referral_id": "ref-h", "from_sector": "health",
               "to_sector": "registry", "commune_code": "03388", "reason": "no_birth_registration",
               "urgency": "routine", "referred_on": "2026-03-01", "due_on": "2026-03-31", "rule": None}


@FUZZ
@given(record=fresh(make_referral, BASE_CHILD["child_id"], texts=("record_id", "referral_id", "child_id")))
@example(record=make_referral(BASE_CHILD["child_id"], reason="no_such_reason"))
@example(record=make_referral(BASE_CHILD["child_id"], to_sector="registry"))
def test_refer_child_answers_or_names_a_field(registry, reporting_sessions, record):
    hostile_write(registry, REFERRAL_TABLES, OutboxMessage, RegistryService, reporting_sessions,
                  "refer_child", record)


@FUZZ
@given(case=st.sampled_from(["accept", "decline", "complete"]).flatmap(
    lambda answer: st.tuples(st.just(answer), mutations(make_referral_answer("ref-h", answer)))))
@example(case=("accept", make_referral_answer("ref-unknown", "accept")))
@example(case=("complete", make_referral_answer("ref-h", "complete")))
def test_an_answer_to_a_referral_answers_or_is_a_typed_error(registry, reporting_sessions, case):
    answer, record = case
    with Session(registry.engine) as session:
        RegistryRepository(session).keep_referral_fact("health", "h-sent", "ref-h", BASE_CHILD["child_id"],
                                                       "referral_sent", HEALTH_SENT)
        session.commit()
    hostile_write(registry, REFERRAL_TABLES, OutboxMessage, RegistryService, reporting_sessions,
                  f"{answer}_referral", record)


@FUZZ
@given(args=arguments(st.just("03388"), st.sampled_from([None, "open", "overdue", "bogus"]),
                      st.sampled_from([None, "2026-04-01", "01/04/2026"])))
def test_the_referral_lists_answer_or_name_a_field(registry, args):
    attempt(registry, (Record,), RegistryService, "referral_inbox", *args)
    attempt(registry, (Record,), RegistryService, "referrals_sent", *args)


@FUZZ
@given(args=arguments(st.sampled_from(["base-birth", "void-base-birth", "nothing"]),
                      st.sampled_from(["entered twice", ""])))
def test_void_record_answers_or_names_a_field(registry, reporting_sessions, args):
    write_and_read(registry, reporting_sessions, "void_record", *args)


@FUZZ
@given(args=arguments(st.just(BASE_CHILD["child_id"])))
@example(args=([],))
def test_get_child_answers_or_refuses(registry, args):
    attempt(registry, (Record,), RegistryService, "get_child", *args)


@FUZZ
@given(args=arguments(st.integers(0, 5), st.integers(1, 20)))
def test_events_since_answers_or_names_a_field(registry, args):
    answer = attempt(registry, (Record,), RegistryService, "events_since", *args)
    assert isinstance(answer, list | ValidationFailed)


@FUZZ
@given(args=arguments(st.just(BASE_CHILD["child_id"])))
@example(args=({"child_id": "x"},))
def test_child_view_answers_or_refuses(reporting_sessions, args):
    attempt(reporting_sessions, (Fact,), ReportingService, "child_view", *args)


PLAUSIBLE_AREAS = st.sampled_from(["12", "105", "03388", "01", "99", "1", "123456"])
PLAUSIBLE_DATES = st.dates().map(str) | st.sampled_from(["2024-12-31", "2025-07-01", "0001-01-01"])


@FUZZ
@given(args=arguments(PLAUSIBLE_AREAS, PLAUSIBLE_DATES,
                      st.none() | st.fixed_dictionaries({"start": PLAUSIBLE_DATES}),
                      st.booleans()))
@example(args=("12", "0001-01-01", None, False))
@example(args=("12", "9999-12-31", {"start": "0001-01-01"}, True))
def test_indicators_answer_or_name_a_field(reporting_sessions, args):
    answer = attempt(reporting_sessions, (Fact,), ReportingService, "indicators", *args)
    assert isinstance(answer, dict | ValidationFailed)


@FUZZ
@example(args={"area": "12", "as_of": "0001-01-01", "format": "html"})
@given(args=st.dictionaries(st.sampled_from(["area", "as_of", "period_start", "period_end",
                                             "format", "by", "other"]),
                            st.text(max_size=12) | st.sampled_from(["html", "12", "2025-12-31"])))
def test_the_indicator_page_answers_200_or_400_never_500(reporting_sessions, args):
    with Session(reporting_sessions.engine) as session:
        worker = worker_factory(ReportingService, db=session, caller=caller_context())
        status, headers, body = indicators_response(args, worker.indicators)
    assert status in (200, 400)
    assert isinstance(body, str)


@FUZZ
@given(args=arguments(st.sampled_from([None, *SOURCES])))
@example(args=([],))
def test_catch_up_answers_or_names_a_field(reporting_sessions, args):
    log = Mock()
    log.events_since.call_async.return_value.result.return_value = []
    attempt(reporting_sessions, (Fact,), ReportingService, "catch_up", *args,
            event_logs=dict.fromkeys(SOURCES, log), park=Mock())


@FUZZ
@given(body=mutations(make_birth_envelope()))
def test_an_event_is_applied_or_refused_with_nothing_stored(reporting_sessions, body):
    before = reporting_sessions.count(ProcessedEvent, Fact)
    with Session(reporting_sessions.engine) as session:
        try:
            apply_event(session, body, METRICS)
        except ValidationFailed:
            session.rollback()
            assert reporting_sessions.count(ProcessedEvent, Fact) == before


@FUZZ
@given(payload=VALUES)
def test_a_payload_that_is_not_a_dict_is_always_a_validation_error(registry, payload):
    if isinstance(payload, dict):
        return
    error = attempt(registry, (Record,), RegistryService, "register_birth", payload, relay=relay_double())
    assert isinstance(error, ValidationFailed)
    assert error.errors == {"_schema": ["Expected one object (a dict) of fields."]}


@FUZZ
@given(records=st.lists(fresh(make_birth, texts=("full_name", "record_id", "child_id")) | VALUES, max_size=4)
       | VALUES)
def test_register_births_answers_each_record_or_refuses_the_batch_naming_records(registry, records):
    before = registry.count(Record, OutboxMessage)
    answer = attempt(registry, (Record, OutboxMessage), RegistryService, "register_births", records,
                     relay=relay_double(), config={})
    if not isinstance(records, list):
        assert (type(answer), answer.errors) == (ValidationFailed, {"records": [NOT_A_LIST]})
        return
    assert [a["status"] in ("accepted", "refused") for a in answer] == [True] * len(records)
    refused = [a["error"] for a in answer if a["status"] == "refused"]
    assert all(error["fields"] for error in refused if error["type"] == "ValidationFailed")
    records_added, outbox_added = (after - earlier for after, earlier in
                                   zip(registry.count(Record, OutboxMessage), before, strict=True))
    assert records_added == outbox_added <= len(records) - len(refused)


@pytest.mark.parametrize("method, args, errors", [
    ("get_child", ([],), {"child_id": ["Not a valid string."]}),
    ("events_since", (0, -1), {"limit": ["Must be greater than or equal to 1 and less than or equal "
                                         "to 10000."]}),
])
def test_the_registry_queries_that_used_to_crash_name_their_field(registry, method, args, errors):
    error = attempt(registry, (Record,), RegistryService, method, *args)
    assert (type(error), error.errors) == (ValidationFailed, errors)


@pytest.mark.parametrize("method, args, errors", [
    ("child_view", ({"child_id": "x"},), {"child_id": ["Not a valid string."]}),
    ("indicators", ("12", "0001-01-01"), {"as_of": ["Must be between 1900-01-01 and 2999-12-31."]}),
    ("catch_up", ([],), {"source": ["Not a valid string."]}),
])
def test_the_reporting_queries_that_used_to_crash_name_their_field(reporting_sessions, method, args, errors):
    error = attempt(reporting_sessions, (Fact,), ReportingService, method, *args, event_logs={}, park=Mock())
    assert (type(error), error.errors) == (ValidationFailed, errors)


def test_a_report_for_year_one_is_a_400_page_not_a_500(reporting_sessions):
    with Session(reporting_sessions.engine) as session:
        worker = worker_factory(ReportingService, db=session, caller=caller_context())
        status, headers, body = indicators_response(
            {"area": "12", "as_of": "0001-01-01", "format": "html"}, worker.indicators)
    assert (status, headers["Content-Type"]) == (400, "text/html; charset=utf-8")
    assert ("<li><b>as_of</b>: Ngày không hợp lệ: dạng dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 30/06/2026 / not a "
            "valid date: expected dd/mm/yyyy or yyyy-mm-dd, e.g. 30/06/2026 (nhận được / got "
            "&#39;0001-01-01&#39;)</li>") in body
