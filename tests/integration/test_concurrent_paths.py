"""Paths a timer and an RPC, or two replicas, take at the same time on PostgreSQL: both finish, and
each event counts once."""

from datetime import date

import eventlet
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from services.education.service import EducationService
from services.registry.orm import RegistryBase
from services.registry.repository import RegistryRepository
from services.reporting import use_cases
from services.reporting.orm import ReportingBase, SourcePosition
from services.reporting.repository import ReportingRepository
from shared.contracts.facts import VOIDED
from shared.exceptions import ValidationFailed
from shared.kit.records import Accepted
from shared.plumbing.event_logs import save_log_position
from shared.plumbing.metrics import service_metrics
from tests.support.factories import make_birth_envelope, make_enrolment
from tests.support.identities import everyone
from tests.support.processes import wait_until


def reporting_sessions(clean_infra, count: int) -> tuple:
    engine = create_engine(clean_infra.db_url("reporting"))
    ReportingBase.metadata.create_all(engine)
    return engine, [Session(engine, expire_on_commit=False) for _ in range(count)]


def test_two_saves_of_a_new_position_at_once_keep_the_furthest(clean_infra):
    engine, (first, second) = reporting_sessions(clean_infra, 2)
    save_log_position(first, SourcePosition, "registry", 7)  # not committed: holds the new row
    later = eventlet.spawn(lambda: (save_log_position(second, SourcePosition, "registry", 5),
                                    second.commit()))
    eventlet.sleep(0)  # the second now waits for the first's row (a read-then-insert failed here)
    first.commit()
    later.wait()
    assert first.scalar(select(SourcePosition.position)) == 7
    first.close(), second.close(), engine.dispose()


def test_two_catch_ups_at_once_both_finish_and_apply_each_event_once(clean_infra):
    engine, sessions = reporting_sessions(clean_infra, 2)
    log = [{"position": n + 1, "envelope": make_birth_envelope()} for n in range(120)]

    def fetch(position: int) -> list[dict]:
        eventlet.sleep(0)  # a page arrives over the network: the other catch-up runs meanwhile
        return [entry for entry in log if entry["position"] > position][:50]

    def catch_up(session):
        return use_cases.catch_up(session, "registry", fetch, service_metrics("reporting"), parked.append)

    parked: list = []
    results = [thread.wait() for thread in [eventlet.spawn(catch_up, s) for s in sessions]]
    stats = ReportingRepository(sessions[0]).stats()
    assert [(r["read"], r["position"]) for r in results] == [(120, 120), (120, 120)]
    assert sum(r["applied"] for r in results) == 120
    assert (stats, parked) == ({"children": 120, "registered": 120, "processed_events": 120}, [])
    for session in sessions:
        session.close()
    engine.dispose()


def test_two_enrolments_of_one_child_sent_at_once_to_two_replicas_leave_one_place_and_one_refusal(
        education_container, container_factory, service_config):
    replica = container_factory(EducationService, service_config("education"))
    replica.start()
    child = "012319000001"
    enrolments = [make_enrolment(child, school_code=school) for school in ("MG-A", "MG-B")]

    def enrol(container, record):
        as_everyone = {"authorization": everyone()}
        with entrypoint_hook(container, "record_enrolment", context_data=as_everyone) as hook:
            try:
                return hook(record)["event_type"]
            except ValidationFailed as error:
                return error.errors

    replicas = (education_container, replica)
    outcomes = [thread.wait() for thread in [eventlet.spawn(enrol, container, record)
                                             for container, record in zip(replicas, enrolments, strict=True)]]
    accepted = enrolments[outcomes.index("enrolment_recorded")]
    refusal = {"start_date": [
        f"The child is enrolled at {accepted['school_code']} from 2024-09-05 with no end recorded "
        f"(enrolment {accepted['record_id']}); end that enrolment first (a transfer is an end, then a "
        "new enrolment)."]}
    assert sorted(outcomes, key=str) == sorted(["enrolment_recorded", refusal], key=str)


def staged_void(session: Session, name: str):
    """A void staged in the registry's store (its record and its outbox row), not committed."""
    row, _ = RegistryRepository(session).add(f"void-{name}", {}, Accepted(
        VOIDED, "012324000001", "03388", date(2026, 6, 1),
        {"voided_record_id": name, "voided_event_type": "birth_registered", "reason": "test"}))
    session.flush()
    return row


def lock_waiters(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                 "AND NOT granted")).scalar_one()


def test_a_second_writer_takes_its_log_position_only_after_the_first_commits(clean_infra):
    """Else a follower reading past the later position would never read the earlier one."""
    engine = create_engine(clean_infra.db_url("registry"))
    RegistryBase.metadata.create_all(engine)
    first, second = (Session(engine, expire_on_commit=False) for _ in range(2))
    committed = []

    def write_second():
        row = staged_void(second, "b")
        second.commit()
        committed.append(("b", row.position))

    row = staged_void(first, "a")  # its log position is taken, its commit not yet made
    later = eventlet.spawn(write_second)
    wait_until(lambda: lock_waiters(engine) == 1, 10, "the second writer to wait for the first's commit")
    first.commit()
    committed.append(("a", row.position))
    later.wait()
    assert committed == [("a", 1), ("b", 2)]
    first.close(), second.close(), engine.dispose()
