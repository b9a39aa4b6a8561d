"""Education's RPCs tried as a hostile caller would (hypothesis), as ``test_hostile_input`` does for
the registry and reporting: a typed error or an answer; a rejected call stores nothing; an accepted
write publishes an event reporting can read and store."""


import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from services.education.orm import EducationBase, Enrolment, OutboxMessage, Record
from services.education.repository import EducationStore
from services.education.service import EducationService
from shared.exceptions import NotFound, ValidationFailed
from shared.kit.registry_copy import copy_registry_event
from shared.plumbing.metrics import service_metrics
from tests.support.factories import make_birth_envelope, make_enrolment, make_enrolment_end
from tests.support.hostile import FUZZ, Sessions, arguments, attempt, mutations, relay_double
from tests.support.hostile import write_and_read as hostile_write

METRICS = service_metrics("reporting")
PUPIL = make_birth_envelope(date_of_birth="2019-03-03")
CHILD_ID = PUPIL["child_id"]
MODELS = (Record, OutboxMessage, Enrolment)


@pytest.fixture
def education(clean_infra):
    sessions = Sessions(clean_infra.db_url("education"), EducationBase)
    with Session(sessions.engine) as session:
        copy_registry_event(EducationStore(session), PUPIL)
    sessions.run(EducationService, "record_enrolment", make_enrolment(CHILD_ID, record_id="base-enrolment"),
                 relay=relay_double())
    yield sessions
    sessions.engine.dispose()



def write_and_read(education: Sessions, reporting: Sessions, method: str, *args) -> object:
    return hostile_write(education, MODELS, OutboxMessage, EducationService, reporting, method, *args)


def fresh_enrolment(**overrides) -> st.SearchStrategy:
    """A new valid enrolment for another child every example (no overlap), then broken one way."""
    return st.builds(make_enrolment, **{k: st.just(v) for k, v in overrides.items()}).flatmap(mutations)


@FUZZ
@given(record=fresh_enrolment() | fresh_enrolment(level="primary", grade=1, school_code="TH-1")
       | fresh_enrolment(child_id=CHILD_ID, level="primary", grade=1, school_year="2025-2026",
                         start_date="2025-09-05"))  # the known child: its age rules are reached
@example(record=make_enrolment(school_code="MG\ud800"))
@example(record=make_enrolment(grade=True))
def test_record_enrolment_answers_or_names_a_field(education, reporting_sessions, record):
    write_and_read(education, reporting_sessions, "record_enrolment", record)


@FUZZ
@given(record=st.builds(make_enrolment_end, st.just("base-enrolment")).flatmap(mutations))
@example(record=make_enrolment_end("base-enrolment", ended_on="2025-02-29"))
def test_end_enrolment_answers_or_names_a_field(education, reporting_sessions, record):
    write_and_read(education, reporting_sessions, "end_enrolment", record)


@FUZZ
@given(args=arguments(st.just(CHILD_ID)))
def test_enrolments_for_answers_or_refuses(education, args):
    answer = attempt(education, MODELS, EducationService, "enrolments_for", *args)
    assert isinstance(answer, list | ValidationFailed)


@FUZZ
@given(args=arguments(st.sampled_from(["MG-03388", "X"]), st.sampled_from(["2024-2025", "2024-2026"])))
def test_school_roster_answers_or_names_a_field(education, args):
    answer = attempt(education, MODELS, EducationService, "school_roster", *args)
    assert isinstance(answer, list | ValidationFailed | NotFound)  # NotFound: a school never enrolled at


def test_the_base_enrolment_is_what_the_fuzzing_starts_from(education):
    [row] = education.run(EducationService, "enrolments_for", CHILD_ID)
    assert (row["enrolment_id"], row["date_of_birth"], row["level"]) == ("base-enrolment", "2019-03-03",
                                                                       "kindergarten")
