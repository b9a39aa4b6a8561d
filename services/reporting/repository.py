"""The reporting service's only queries: tracking, facts, child views, periods, indicator counts."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, false, func, insert, not_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.reporting import count_cache
from services.reporting.orm import (
    CardPeriod,
    ChildView,
    EducationEnrolment,
    Fact,
    HealthCheck,
    HealthDose,
    HealthMeasurement,
    HealthScreening,
    IdentityLink,
    LogCheck,
    MergedId,
    ProcessedEvent,
    ProtectionCase,
    ProtectionEpisode,
    Referral,
    ResidencePeriod,
)
from shared.contracts import load_fact
from shared.contracts.facts import VOIDED
from shared.contracts.facts import Fact as ChildFact
from shared.contracts.identity import RECORDED
from shared.contracts.referrals import EVENTS as REFERRAL_EVENTS
from shared.plumbing.db import dialect_insert, lock_key, lock_keys
from shared.rules import referrals, registration
from shared.rules.clock import utc_now

HEALTH_MODELS = (HealthDose, HealthMeasurement, HealthScreening, HealthCheck)
EDUCATION_MODELS = (EducationEnrolment,)
PROTECTION_MODELS = (ProtectionCase, ProtectionEpisode)
REFERRAL_MODELS = (Referral,)


@dataclass(frozen=True)
class Writes:
    """The projection's write statements, built once per dialect and executed with parameters
    (building an upsert of ~20 columns per event cost more than running it)."""

    claim: Any
    fact: Any
    view: Any
    periods: dict[type, Any]
    clear_periods: dict[type, Any]


@cache
def _writes(dialect_name: str) -> Writes:
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[dialect_name]
    views = ChildView.__table__
    view = dialect.insert(views)
    view = view.on_conflict_do_update(index_elements=["child_id"], set_={
        column.name: view.excluded[column.name] for column in views.columns if column.name != "child_id"})
    period_models = (ResidencePeriod, CardPeriod, *HEALTH_MODELS, *EDUCATION_MODELS, *PROTECTION_MODELS,
                     *REFERRAL_MODELS)
    return Writes(
        claim=dialect.insert(ProcessedEvent.__table__).on_conflict_do_nothing(),
        fact=dialect.insert(Fact.__table__).on_conflict_do_nothing(),
        view=view,
        periods={model: insert(model.__table__) for model in period_models},
        clear_periods={model: delete(model.__table__).where(model.__table__.c.child_id == bindparam("child"))
                       for model in period_models},
    )


class ReportingRepository:
    """``members``: while a merged child is re-projected, the ids its facts are recorded under (its
    own first); a child not in it is its own only id."""

    def __init__(self, session: Session, keep_counts: bool = True) -> None:
        self.session = session
        self.keep_counts = keep_counts  # a report keeps its communes' counts (``count_cache``)
        self.members: dict[str, list[str]] = {}

    def _ids(self, child_id: str):
        ids = self.members.get(child_id, [child_id])
        return Fact.child_id == ids[0] if len(ids) == 1 else Fact.child_id.in_(ids)

    @property
    def writes(self) -> Writes:
        return _writes(self.session.get_bind().dialect.name)

    def claim_event(self, event_id: str, event_type: str, source: str,
                    recorded_at: datetime | None = None) -> bool:
        """Record the event as processed; False if it already was (the caller then stops)."""
        row = {"event_id": event_id, "event_type": event_type, "source": source,
               "processed_at": utc_now(), "recorded_at": recorded_at}
        return self.session.execute(self.writes.claim, row).rowcount == 1

    def claim_events(self, rows: list[dict[str, Any]]) -> set[str]:
        """Record many events as processed in one statement (in event id order, so two batches
        claiming the same ids never wait for each other in a circle); the ids claimed now."""
        if not rows:
            return set()
        now = utc_now()
        rows = sorted(({**row, "processed_at": now} for row in rows), key=lambda row: row["event_id"])
        statement = self.writes.claim.returning(ProcessedEvent.__table__.c.event_id)
        return set(self.session.scalars(statement, rows))

    def processed_among(self, event_ids: list[str]) -> set[str]:
        """Which of these events were applied already (one query)."""
        if not event_ids:
            return set()
        found = self.session.scalars(select(ProcessedEvent.event_id)
                                     .where(ProcessedEvent.event_id.in_(event_ids)))
        return set(found)

    def lock_child(self, child_id: str) -> None:
        lock_key(self.session, child_id)

    def lock_children(self, child_ids: set[str]) -> None:
        lock_keys(self.session, child_ids)

    def add_link(self, record_id: str, provisional_id: str, child_id: str) -> None:
        statement = dialect_insert(self.session)(IdentityLink).values(
            record_id=record_id, provisional_id=provisional_id, child_id=child_id)
        self.session.execute(statement.on_conflict_do_nothing())

    def links_touching(self, child_ids: set[str]) -> list[IdentityLink]:
        """The links and unlinks naming any of ``child_ids`` (on either side)."""
        return list(self.session.scalars(select(IdentityLink).where(or_(
            IdentityLink.provisional_id.in_(child_ids), IdentityLink.child_id.in_(child_ids)))))

    def registry_facts(self, record_ids: list[str]) -> list[ChildFact]:
        if not record_ids:
            return []
        rows = self.session.scalars(select(Fact).where(Fact.source == "registry",
                                                       Fact.record_id.in_(record_ids)))
        return [load_fact(r.source, r.record_id, r.event_type, r.payload) for r in rows]

    def provisional_records(self, child_id: str) -> list[ChildFact]:
        """Every source's ``provisional_child_recorded`` facts of the child's ids, and every void."""
        rows = self.session.scalars(select(Fact).where(self._ids(child_id),
                                                       Fact.event_type.in_([RECORDED, VOIDED])))
        return [load_fact(r.source, r.record_id, r.event_type, r.payload) for r in rows]

    def clear_child(self, child_id: str) -> None:
        """Delete every row projected under ``child_id`` (its view, its periods, its source rows)."""
        count_cache.touch(self.session, [child_id])
        self.session.execute(delete(ChildView).where(ChildView.child_id == child_id))
        for statement in self.writes.clear_periods.values():
            self.session.execute(statement, {"child": child_id})

    def save_merged(self, merged: dict[str, str], child_ids: set[str]) -> None:
        """``merged``: each merged provisional id among ``child_ids`` and the child it now is."""
        self.session.execute(delete(MergedId).where(MergedId.member_id.in_(child_ids)))
        if merged:
            self.session.execute(insert(MergedId), [{"member_id": member, "child_id": child_id}
                                                    for member, child_id in sorted(merged.items())])

    def merged_into(self, member_id: str) -> str | None:
        return self.session.scalar(select(MergedId.child_id).where(MergedId.member_id == member_id))

    def add_fact(self, source: str, record_id: str, child_id: str, event_type: str,
                 payload: dict) -> None:
        self.session.execute(self.writes.fact, {"source": source, "record_id": record_id,
                                                "child_id": child_id, "event_type": event_type,
                                                "payload": payload})

    def add_facts(self, rows: list[dict[str, Any]]) -> None:
        """Store many facts in one statement (a fact already stored stays as it was)."""
        if rows:
            self.session.execute(self.writes.fact, rows)

    def facts_for(self, child_id: str, source: str) -> list[ChildFact]:
        rows = self.session.scalars(select(Fact).where(self._ids(child_id), Fact.source == source))
        return [load_fact(r.source, r.record_id, r.event_type, r.payload) for r in rows]

    def referral_facts(self, child_id: str) -> list[ChildFact]:
        """The child's referral facts of every source, and every source's voids (one query)."""
        rows = self.session.scalars(select(Fact).where(
            self._ids(child_id), Fact.event_type.in_([*REFERRAL_EVENTS, VOIDED])))
        return [load_fact(r.source, r.record_id, r.event_type, r.payload) for r in rows]

    def event_type_of(self, source: str, record_id: str) -> str | None:
        """The event type of a stored fact (None if it has not arrived)."""
        return self.session.scalar(select(Fact.event_type).where(Fact.source == source,
                                                                 Fact.record_id == record_id))

    def save_view(self, values: dict[str, Any]) -> None:
        """Insert or update the child's row in one statement (no read first)."""
        count_cache.touch(self.session, [values["child_id"]])
        self.session.execute(self.writes.view, {**values, "updated_at": utc_now()})

    def replace_residences(self, child_id: str, rows: list[dict[str, Any]], first: bool) -> None:
        self._replace(ResidencePeriod, child_id, rows, first)

    def replace_cards(self, child_id: str, rows: list[dict[str, Any]], first: bool) -> None:
        self._replace(CardPeriod, child_id, rows, first)

    def replace_rows(self, models: tuple[type, ...], child_id: str, rows: dict[type, list[dict[str, Any]]],
                     first: bool) -> None:
        """Rewrite all of a child's rows in ``models`` (a source's tables) at once."""
        for model in models:
            self._replace(model, child_id, rows.get(model, []), first)

    def rows_of(self, model: type, child_id: str) -> list[Any]:
        return list(self.session.scalars(select(model).where(model.child_id == child_id)))

    def _replace(self, model: type, child_id: str, rows: list[dict[str, Any]], first: bool) -> None:
        """``first``: the child's first fact of the source, so no earlier rows to delete."""
        count_cache.touch(self.session, [child_id])
        if not first:
            self.session.execute(self.writes.clear_periods[model], {"child": child_id})
        if rows:
            self.session.execute(self.writes.periods[model], rows)

    def latest_recorded(self, source: str) -> datetime | None:
        """When the producer recorded the latest event applied from ``source`` (read from the index)."""
        return self.session.scalar(select(func.max(ProcessedEvent.recorded_at))
                                   .where(ProcessedEvent.source == source))

    def log_checks(self) -> dict[str, LogCheck]:
        return {check.source: check for check in self.session.scalars(select(LogCheck))}

    def save_log_check(self, source: str, checked_at: datetime, missing: int | None,
                       unreachable: str | None) -> None:
        """Upsert in one statement (two catch-ups at once must not both insert); an unreachable
        source keeps the time its log was last read to the end."""
        values = {"source": source, "unreachable": unreachable}
        if unreachable is None:
            values.update(checked_at=checked_at, missing=missing)
        statement = dialect_insert(self.session)(LogCheck).values(**values)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=["source"], set_={k: v for k, v in values.items() if k != "source"}))

    def get_view(self, child_id: str) -> ChildView | None:
        return self.session.get(ChildView, child_id)

    def stats(self) -> dict[str, int]:
        """Three counts from ONE statement, so they describe the same moment."""
        children = select(func.count()).select_from(ChildView).scalar_subquery()
        registered = (select(func.count()).select_from(ChildView)
                      .where(ChildView.registered.is_(True)).scalar_subquery())
        processed = select(func.count()).select_from(ProcessedEvent).scalar_subquery()
        row = self.session.execute(select(children, registered, processed)).one()
        return dict(zip(("children", "registered", "processed_events"), row, strict=True))

    def counts(self, area_column: str, code: str, as_of: date, counted: dict[str, Any],
               by: str | Any | tuple | None = None, among: list[str] | None = None,
               outside: bool = False) -> dict[Any, dict[str, int]]:
        """Count the registered children living in the area on ``as_of``, once per condition in
        ``counted`` (one statement); grouped by ``by`` if given: a residence column's name, an
        expression over the child view (a breakdown's group label), or a tuple of them (the key is
        then a tuple). ``among``: only the groups of ``by``'s first (a residence column's name) with these
        values (``outside``: only those with none of them, NULL included)."""
        keys = by if isinstance(by, tuple) else () if by is None else (by,)
        groups = [getattr(ResidencePeriod, key) if isinstance(key, str) else key for key in keys]
        columns = [func.count().filter(condition).label(name) for name, condition in counted.items()]
        query = (select(*groups, *columns)
                 .select_from(ResidencePeriod)
                 .join(ChildView, ChildView.child_id == ResidencePeriod.child_id)
                 .where(getattr(ResidencePeriod, area_column) == code, in_force_on(as_of), counted_child()))
        if among is not None:
            column = groups[0]
            query = query.where(or_(column.not_in(among), column.is_(None)) if outside else column.in_(among))
        if groups:
            query = query.group_by(*groups)
        rows = self.session.execute(query).all()
        if not groups:
            return {None: dict(zip(counted, rows[0], strict=True))}
        width = len(groups)
        return {(row[0] if not isinstance(by, tuple) else tuple(row[:width])):
                dict(zip(counted, row[width:], strict=True)) for row in rows}

    def children_flagged(self, area_column: str, code: str, as_of: date, flags: dict[str, Any]
                         ) -> list[tuple[str, str | None, date, list[str]]]:
        """(child id, name, date of birth, the ``flags`` that hold) of each registered child living in
        the area on ``as_of`` for whom one of them holds, youngest last (one statement)."""
        columns = [condition.label(name) for name, condition in flags.items()]
        query = (select(ChildView.child_id, ChildView.full_name, ChildView.date_of_birth, *columns)
                 .select_from(ResidencePeriod)
                 .join(ChildView, ChildView.child_id == ResidencePeriod.child_id)
                 .where(getattr(ResidencePeriod, area_column) == code, in_force_on(as_of),
                        counted_child(), or_(false(), *flags.values()))
                 .order_by(ChildView.date_of_birth, ChildView.child_id))
        return [(row[0], row[1], row[2], [name for name, held in zip(flags, row[3:], strict=True) if held])
                for row in self.session.execute(query)]

    def provisional_children(self, area_column: str, code: str, as_of: date) -> list[ChildView]:
        """The children living in the area on ``as_of`` known only provisionally now (neither
        registered nor merged into a registered child), recorded by then, alive then and born by
        then, oldest first (one statement)."""
        query = (select(ChildView).join(ResidencePeriod, ChildView.child_id == ResidencePeriod.child_id)
                 .where(getattr(ResidencePeriod, area_column) == code, in_force_on(as_of),
                        ChildView.provisional.is_(True), known_by(as_of), alive_on(as_of),
                        ChildView.date_of_birth <= as_of)
                 .order_by(ChildView.date_of_birth, ChildView.child_id))
        return list(self.session.scalars(query))

    def placed_counts(self, model: type, area_column: str, code: str, counted: dict[str, Any], by: str,
                      among: list[str] | None = None) -> dict[str | None, dict[str, int]]:
        """Count the rows of a placed table (``PlacedMixin``: protection cases where they were opened,
        referrals where they were made) in the area, once per condition in ``counted``, grouped by its
        commune column ``by`` (one statement); ``among``: only these communes."""
        group = getattr(model, by)
        columns = [func.count().filter(condition).label(name) for name, condition in counted.items()]
        query = select(group, *columns).where(getattr(model, area_column) == code).group_by(group)
        if among is not None:
            query = query.where(group.in_(among))
        return {row[0]: dict(zip(counted, row[1:], strict=True)) for row in self.session.execute(query)}

    def completions(self, area_column: str, code: str, start: date, end: date, by: str,
                    among: list[str] | None = None, outside: bool = False) -> list[tuple[str | None, int]]:
        """(commune, days from referral to completion) of each referral placed in the area and
        completed within the period, protection's left out (a median is never suppressed);
        ``among``: only in these communes of column ``by`` (``outside``: only in none of them)."""
        r = Referral
        query = select(getattr(r, by), r.referred_on, r.closed_on).where(
            getattr(r, area_column) == code, r.state == referrals.COMPLETED, r.referred_on.is_not(None),
            r.protected.is_(False),
            r.closed_on >= start, r.closed_on <= end)
        if among is not None:
            column = getattr(r, by)
            query = query.where(or_(column.not_in(among), column.is_(None)) if outside else column.in_(among))
        return [(commune, (closed - sent).days) for commune, sent, closed in self.session.execute(query)]


def counted_child():
    """The children figures may count: registered, or known provisionally (issue 18; each figure's
    own conditions then say whether its population needs the registration: ``registered_by``)."""
    return or_(ChildView.registered.is_(True), ChildView.provisional.is_(True))


def in_force_on(as_of: date):
    return and_(ResidencePeriod.valid_from <= as_of,
                or_(ResidencePeriod.valid_to.is_(None), ResidencePeriod.valid_to > as_of))


def born_between(start: date, end: date):
    return and_(ChildView.date_of_birth >= start, ChildView.date_of_birth <= end)


def registered_by(as_of: date):
    return ChildView.registration_date <= as_of


def known_by(as_of: date):
    """Known to the platform by ``as_of``: registered by then, or recorded provisionally by then (a
    child merged since keeps the day it was first known)."""
    return or_(ChildView.registration_date <= as_of, ChildView.known_on <= as_of)


def not_registered_on(as_of: date):
    """Known by ``as_of`` but not registered by then (point in time: a birth registered later was
    still unregistered that day)."""
    return and_(known_by(as_of), or_(ChildView.registration_date.is_(None),
                                     not_(registered_by(as_of))))


def past_registration_deadline(as_of: date):
    """Born more than the deadline's days before ``as_of``: a registration by then would be late."""
    return ChildView.date_of_birth < as_of - timedelta(days=registration.ON_TIME_DAYS)


def alive_on(as_of: date):
    return or_(ChildView.date_of_death.is_(None), ChildView.date_of_death > as_of)


def on_time():
    return ChildView.on_time.is_(True)


def card_valid_on(as_of: date):
    """ANY card of the child valid on ``as_of`` (not only the latest one issued)."""
    return exists().where(CardPeriod.child_id == ChildView.child_id, CardPeriod.issued_on <= as_of,
                          CardPeriod.valid_to >= as_of)


def among_few(model: type, *where: Any):
    """The child has a row of ``model`` meeting ``where`` (not correlated to the child): where few
    children have such rows (protection's, referrals, screenings, a period's checks), the set of them
    is made once per statement and each child only looked up in it, not searched for in the table
    (where most children have one, the search per child costs less)."""
    return ChildView.child_id.in_(select(model.child_id).where(*where))


def born_after(floor: date):
    """Strictly after ``floor``: a child born exactly N years before a date is N, not under N."""
    return ChildView.date_of_birth > floor
