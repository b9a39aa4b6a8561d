"""What every sector gets from the kit, as one test class a sector's test module subclasses.

A subclass names its ``SERVICE`` (the nameko service class; the container and a session on its
database are made here) and ``STORE``, and provides two fixtures: ``make_record`` (a fresh valid
input for ``WRITE``, the sector's write RPC) and ``broken`` (``(input, field)``: a valid input with
one field broken). The class then checks
replays, conflicts, rejection, the outbox row, voids, the event log and the batch twins
(``shared.contracts.batches``) on the real RabbitMQ and PostgreSQL, the way eventsourcing runs one
recorder test case against every backend.
"""

import uuid
from queue import Empty

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import func, select

from shared.contracts.batches import BATCH_MAX_RECORDS_KEY, batch_rpc_name
from shared.exceptions import Conflict, NotFound, ValidationFailed
from shared.rules import access
from tests.integration.conftest import open_session
from tests.support.hooks import call
from tests.support.identities import token

ELSEWHERE = "00004"  # a commune of Hà Nội, on both maps
LAI_CHAU = "12"
NOT_AN_OBJECT = "Expected one object (a dict) of fields."


class SectorContract:
    SERVICE: type  # the sector's nameko service class
    STORE: type  # the sector's SectorStore subclass (its record and outbox tables)
    WRITE: str
    VARIANT: dict  # changes that keep an input valid but make it other data
    DATE_FIELD: str  # a date of the write's input

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

    @pytest.fixture
    def tap(self, sector):
        """Every event the sector publishes from now on, as a consumer of its exchange gets them."""
        with Connection(sector.config["AMQP_URI"]) as conn:
            queue = Queue(f"test-batch-tap-{uuid.uuid4().hex}",
                          Exchange(f"{sector.service_name}.events", type="topic", durable=True),
                          routing_key="#", exclusive=True)
            queue(conn.channel()).declare()
            with conn.SimpleQueue(queue) as simple:
                yield simple

    @staticmethod
    def delivered(tap) -> list[str]:
        """The event ids the tap holds now (the relay publishes with confirms before the worker
        ends, which ``call`` waits for)."""
        event_ids = []
        while True:
            try:
                message = tap.get_nowait()
            except Empty:
                return event_ids
            event_ids.append(message.payload["event_id"])
            message.ack()

    def test_a_batch_stores_exactly_its_good_records_and_answers_each_one(self, sector, sector_db,
                                                                         make_record, tap):
        used = make_record()
        call(sector, self.WRITE, used)
        self.delivered(tap)
        good = [make_record(), make_record()]
        missing = make_record()
        del missing["child_id"]
        bad_date = make_record(**{self.DATE_FIELD: "2024-02-30"})
        elsewhere = make_record(commune_code=ELSEWHERE)
        batch = [good[0], missing, bad_date, elsewhere, {**used, **self.VARIANT}, good[1], dict(good[0])]
        in_lai_chau = token(*access.roles(), areas=[LAI_CHAU])
        answers = call(sector, batch_rpc_name(self.WRITE), batch, as_token=in_lai_chau)
        assert answers[1:5] == [
            refused(missing, "ValidationFailed", "child_id: Missing data for required field.",
                    {"child_id": ["Missing data for required field."]}),
            refused(bad_date, "ValidationFailed", f"{self.DATE_FIELD}: Not a valid date.",
                    {self.DATE_FIELD: ["Not a valid date."]}),
            refused(elsewhere, "Forbidden", f"The record is placed in commune {ELSEWHERE}, outside the "
                                            f"token's areas ({LAI_CHAU})."),
            refused(used, "Conflict", f"Record {used['record_id']} was already used for other data.")]
        assert [answers[0], answers[5], answers[6]] == [call(sector, self.WRITE, record)
                                                         for record in (*good, good[0])]
        assert self.counts(sector, sector_db) == (3, 3)
        assert self.delivered(tap) == [answers[0]["event_id"], answers[5]["event_id"]]
        assert call(sector, batch_rpc_name(self.WRITE), batch, as_token=in_lai_chau) == answers
        assert (self.counts(sector, sector_db), self.delivered(tap)) == ((3, 3), [])

    def test_a_batch_of_voids_answers_an_unknown_record_not_found_and_voids_the_rest(
            self, sector, sector_db, make_record):
        record = make_record()
        call(sector, self.WRITE, record)
        answers = call(sector, "void_records", [{"record_id": record["record_id"], "reason": "twice"},
                                                {"record_id": "no-such-record", "reason": "typo"}, "x"])
        assert answers[1:] == [
            {"record_id": "void-no-such-record", "status": "refused",
             "error": {"type": "NotFound", "message": "No record no-such-record."}},
            {"record_id": None, "status": "refused",
             "error": {"type": "ValidationFailed", "message": f"_schema: {NOT_AN_OBJECT}",
                       "fields": {"_schema": [NOT_AN_OBJECT]}}}]
        assert (answers[0]["record_id"], answers[0]["voided_record_id"]) == (
            f"void-{record['record_id']}", record["record_id"])
        assert self.counts(sector, sector_db) == (2, 2)

    @pytest.mark.parametrize("records, message", [
        ({"records": []}, "Expected a list of records."),
        ("not a list", "Expected a list of records."),
        (None, "Expected a list of records."),
        (4, "At most 3 records in one batch (4 given)."),
    ])
    def test_a_batch_that_is_not_a_list_or_too_long_is_refused_naming_records_with_nothing_stored(
            self, container_factory, service_config, sector_db, make_record, records, message):
        limited = container_factory(self.SERVICE, service_config(self.SERVICE.name,
                                                                 **{BATCH_MAX_RECORDS_KEY: 3}))
        limited.start()
        batch = [make_record() for _ in range(records)] if isinstance(records, int) else records
        with pytest.raises(ValidationFailed) as error:
            call(limited, batch_rpc_name(self.WRITE), batch)
        assert error.value.errors == {"records": [message]}
        assert self.counts(limited, sector_db) == (0, 0)


def refused(record: dict, error_type: str, message: str, fields: dict | None = None) -> dict:
    error = {"type": error_type, "message": message}
    return {"record_id": record["record_id"], "status": "refused",
            "error": error if fields is None else {**error, "fields": fields}}
