"""What every sector gets from the kit, as one test class a sector's test module subclasses.

A subclass names its ``SERVICE`` (the nameko service class; the container and a session on its
database are made here) and ``STORE``, and provides two fixtures: ``make_record`` (a fresh valid
input for ``WRITE``, the sector's write RPC) and ``broken`` (``(input, field)``: a valid input with
one field broken). The class then checks
replays, conflicts, rejection, the outbox row, voids and the event log on the real RabbitMQ and
PostgreSQL, the way eventsourcing runs one recorder test case against every backend.
"""

import pytest
from sqlalchemy import func, select

from shared.exceptions import Conflict, NotFound, ValidationFailed
from tests.integration.conftest import open_session
from tests.support.hooks import call


class SectorContract:
    SERVICE: type  # the sector's nameko service class
    STORE: type  # the sector's SectorStore subclass (its record and outbox tables)
    WRITE: str
    VARIANT: dict  # changes that keep an input valid but make it other data

    @pytest.fixture
    def sector(self, container_factory, service_config):
        container = container_factory(self.SERVICE, service_config(self.SERVICE.name))
        container.start()
        return container

    @pytest.fixture
    def sector_db(self, clean_infra):
        yield from open_session(clean_infra.db_url(self.SERVICE.name))

    def counts(self, sector, db) -> tuple[int, int]:
        db.rollback()  # see what the service committed
        return tuple(db.scalar(select(func.count()).select_from(model))
                     for model in (self.STORE.record_model, self.STORE.outbox_model))

    def outbox(self, sector, db) -> list:
        db.rollback()
        outbox = self.STORE.outbox_model
        return list(db.scalars(select(outbox).order_by(outbox.position)))

    def test_a_write_stores_its_record_and_one_outbox_row_with_its_event(self, sector, sector_db,
                                                                      make_record):
        record = make_record()
        answer = call(sector, self.WRITE, record)
        [row] = self.outbox(sector, sector_db)
        envelope = row.envelope
        assert (envelope["event_id"], envelope["source"], envelope["child_id"]) == (
            answer["event_id"], sector.service_name, record["child_id"])
        assert (envelope["payload"]["record_id"], answer["record_id"]) == (record["record_id"],) * 2
        assert self.counts(sector, sector_db) == (1, 1)

    def test_a_retry_with_the_same_record_id_returns_the_first_answer_and_stores_nothing(
            self, sector, sector_db, make_record):
        record = make_record()
        first = call(sector, self.WRITE, record)
        assert call(sector, self.WRITE, dict(record)) == first
        assert self.counts(sector, sector_db) == (1, 1)

    def test_the_same_record_id_with_other_data_is_a_conflict_and_stores_nothing(
            self, sector, sector_db, make_record):
        record = make_record()
        call(sector, self.WRITE, record)
        with pytest.raises(Conflict):
            call(sector, self.WRITE, {**record, **self.VARIANT})
        assert self.counts(sector, sector_db) == (1, 1)

    def test_a_rejected_write_names_its_field_and_stores_nothing(self, sector, sector_db, broken):
        record, field = broken
        with pytest.raises(ValidationFailed) as error:
            call(sector, self.WRITE, record)
        assert list(error.value.errors) == [field]
        assert self.counts(sector, sector_db) == (0, 0)

    def test_a_void_is_a_record_and_an_event_of_its_own_and_can_be_retried(self, sector, sector_db,
                                                                         make_record):
        record = make_record()
        call(sector, self.WRITE, record)
        answer = call(sector, "void_record", record["record_id"], "entered twice")
        assert call(sector, "void_record", record["record_id"], "entered twice") == answer
        voided = self.outbox(sector, sector_db)[-1].envelope
        assert (voided["event_type"], voided["payload"]["voided_record_id"],
                voided["payload"]["record_id"]) == ("record_voided", record["record_id"],
                                                    f"void-{record['record_id']}")
        assert self.counts(sector, sector_db) == (2, 2)

    def test_a_void_of_an_unknown_record_is_not_found_and_a_void_cannot_be_voided(
            self, sector, sector_db, make_record):
        record = make_record()
        call(sector, self.WRITE, record)
        call(sector, "void_record", record["record_id"], "entered twice")
        with pytest.raises(NotFound):
            call(sector, "void_record", "no-such-record", "typo")
        with pytest.raises(ValidationFailed) as error:
            call(sector, "void_record", f"void-{record['record_id']}", "undo")
        assert error.value.errors == {"record_id": ["A void cannot itself be voided."]}
        assert self.counts(sector, sector_db) == (2, 2)

    def test_events_since_pages_the_event_log_in_order(self, sector, make_record):
        answers = [call(sector, self.WRITE, make_record()) for _ in range(3)]
        page = call(sector, "events_since", 1, 1)
        assert [(e["position"], e["envelope"]["event_id"]) for e in page] == [
            (2, answers[1]["event_id"])]
        assert [e["position"] for e in call(sector, "events_since", 0, 10)] == [1, 2, 3]

    @pytest.mark.parametrize("position, limit, field", [
        (None, 10, "position"), ("abc", 10, "position"), (float("nan"), 10, "position"),
        (2**63, 10, "position"), (-1, 10, "position"), (True, 10, "position"),
        (0, -1, "limit"), (0, 0, "limit"), (0, 10_001, "limit"), (0, 2.5, "limit")])
    def test_a_bad_event_log_page_names_its_field(self, sector, position, limit, field):
        with pytest.raises(ValidationFailed) as error:
            call(sector, "events_since", position, limit)
        assert list(error.value.errors) == [field]
