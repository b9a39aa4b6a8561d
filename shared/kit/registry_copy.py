"""A sector's own copy of the registry: the registry's events as received, and one row per child.

Health and education answer about a child (its birth date and sex, where it lives, whether it is
alive) without calling the registry. Each keeps the registry's facts (the primary key makes a
redelivery a no-op) and refolds the child's row from all of them with
``shared.contracts.registry.fold_child``, so arrival order and voids do not matter. A sector declares
the three tables on its own base (``RegistryFactMixin``, ``KnownChildMixin``,
``RegistryPositionMixin``), makes its store a ``RegistryCopyStore`` naming them, and calls
``follow_registry(ServiceClass)``. That gives it one reliable handler per registry event (retried,
then dead-lettered, never dropped) and ``catch_up_registry`` (RPC, and every ``CATCH_UP_INTERVAL``
seconds): it reads the registry's event log past the saved position, so a birth the broker dropped
because the sector's queues did not exist yet (the sector started after the registry published it)
still reaches the copy.

The registry's ``identity_linked`` / ``identity_unlinked`` are kept apart, in the links table
(``shared.kit.identity_links``), never refolded into a child's row: a link names two children and changes
neither's registration. ``member_ids`` (every id that is now the child, ``identity.members_of``)
makes ``facts_for`` gather the records made under a linked provisional id, and ``children_in``
leaves out a provisional child that is now another (an unlink brings it back as it was). A
sector's own provisional children (``shared.kit.provisional``) are rows of its known children,
keyed by the provisional id, so its commands judge records made under them.
"""

import logging
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import JSON, Date, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from shared.contracts import event_types, load_fact
from shared.contracts.events import load_envelope
from shared.contracts.identity import RECORDED, is_link_event, is_provisional
from shared.contracts.referrals import is_referral_event
from shared.contracts.registry import Residence, fold_child
from shared.kit.access import guarded
from shared.kit.identity_links import LinkedIds
from shared.kit.records import SectorStore
from shared.plumbing.config_keys import CATCH_UP_INTERVAL_KEY
from shared.plumbing.consumer import DeadLetters, add_event_handlers
from shared.plumbing.db import dialect_insert, ending_open_transaction, lock_key
from shared.plumbing.event_logs import (
    EventLogs,
    Fetch,
    LogPositionMixin,
    Park,
    fetch_page,
    follow_or_skip,
    record_id_of,
)
from shared.plumbing.metrics import count_catch_ups
from shared.plumbing.timers import configured_timer
from shared.rules.admin_units import LEGACY, AdminUnits, admin_units

_log = logging.getLogger(__name__)
REGISTRY = "registry"


class RegistryFactMixin:
    """A registry event as received."""

    __tablename__ = "registry_facts"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)


class KnownChildMixin:
    """What a sector needs of a registered child: birth date, sex, where it lives now, alive or not;
    and, for the lists people print, its name, registration date, carer and village. Those four are
    nullable: a database made before them gains the columns when it is adopted
    (``shared.plumbing.migrations.adopt``), and a row already there stays empty until the
    child's next registry event refolds it."""

    __tablename__ = "known_children"

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    date_of_birth = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    legacy_commune: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    current_commune: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    current_province: Mapped[str | None] = mapped_column(String(2), nullable=True)
    date_of_death = mapped_column(Date, nullable=True)
    full_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    registration_date = mapped_column(Date, nullable=True)
    carer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    village: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RegistryPositionMixin(LogPositionMixin):
    """How far the sector has read the registry's event log (``events_since``)."""

    __tablename__ = "registry_log_position"


class RegistryCopyStore(LinkedIds, SectorStore):
    """A sector store that also keeps the registry copy (``fact_model``, ``child_model``,
    ``position_model``)."""

    fact_model: type
    child_model: type
    position_model: type
    link_model: type

    def copied_among(self, record_ids: list[str]) -> set[str]:
        """Which of these registry records the copy holds already (two queries: facts and links)."""
        if not record_ids:
            return set()
        found = set()
        for model in (self.fact_model, self.link_model):
            found |= set(self.session.scalars(select(model.record_id).where(model.record_id.in_(record_ids))))
        return found

    def keep_provisional_child(self, provisional_id: str, payload: dict[str, Any], units: AdminUnits) -> None:
        """One of this sector's own provisional children, kept as a known child under its id."""
        born = payload["date_of_birth"]
        residence = Residence(payload["commune_code"], payload["map_version"], born)
        birth = {"date_of_birth": born, "sex": payload["sex"], "carer_name": payload["carer_name"],
                 "full_name": payload["full_name"] or f"con của {payload['mother_name']}"}
        self.session.add(self.child_model(**known_child(provisional_id, birth, residence, None, units)))

    def on_voided(self, target: Any, void_payload: dict[str, Any]) -> None:
        """A voided provisional child of this sector is no longer one of its known children."""
        super().on_voided(target, void_payload)
        if target.event_type == RECORDED:
            self.session.execute(delete(self.child_model).where(self.child_model.child_id == target.child_id))

    def known_child(self, child_id: str) -> Any:
        return self.session.get(self.child_model, child_id)

    def known_children(self, child_ids: list[str]) -> dict[str, Any]:
        """The known ones among these children, by id (one query)."""
        model = self.child_model
        found = self.session.scalars(select(model).where(model.child_id.in_(child_ids))) if child_ids else []
        return {child.child_id: child for child in found}

    def children_in(self, column: str, commune_code: str) -> list[Any]:
        """The commune's known children; a provisional child now linked to another is not one."""
        model = self.child_model
        query = select(model).where(getattr(model, column) == commune_code)
        children = list(self.session.scalars(query.order_by(model.child_id)))
        linked = self.linked_among(child.child_id for child in children if is_provisional(child.child_id))
        return [child for child in children if child.child_id not in linked]

    def apply_registry_fact(self, fact: dict, units: AdminUnits) -> None:
        """Keep a registry event (once) and refold the child's row from all its registry facts;
        one child at a time, so two events of a child applied at once cannot lose one another."""
        facts, children = self.fact_model, self.child_model
        lock_key(self.session, fact["child_id"])
        self.session.execute(dialect_insert(self.session)(facts).on_conflict_do_nothing(), fact)
        rows = self.session.scalars(select(facts).where(facts.child_id == fact["child_id"]))
        state = fold_child(load_fact("registry", r.record_id, r.event_type, r.payload) for r in rows)
        self.session.execute(delete(children).where(children.child_id == fact["child_id"]))
        if state.registered:
            self.session.add(children(**known_child(fact["child_id"], state.birth, state.residence,
                                                    state.date_of_death, units)))


def known_child(child_id: str, birth: dict, residence: Residence, date_of_death: date | None,
                units: AdminUnits) -> dict[str, Any]:
    code, map_version = residence.commune_code, residence.map_version
    current = units.legacy_to_current.get(code) if map_version == LEGACY else code
    commune = units.current.get(current) if current else None
    return {"child_id": child_id, "date_of_birth": birth["date_of_birth"], "sex": birth["sex"],
            "legacy_commune": code if map_version == LEGACY else None, "current_commune": current,
            "current_province": commune.province_code if commune else None,
            "date_of_death": date_of_death, "full_name": birth.get("full_name"),
            "registration_date": birth.get("registration_date"), "carer_name": birth.get("carer_name"),
            "village": birth.get("village")}


def copy_registry_event(store: RegistryCopyStore, body: dict | None) -> bool:
    """Apply one registry event to the copy and commit (an invalid one raises: retried, parked, its
    transaction ended first)."""
    envelope = load_envelope(body)
    if is_referral_event(envelope["event_type"]):  # the registry's referrals: not facts of the child
        return False
    fact = {"record_id": envelope["payload"]["record_id"], "child_id": envelope["child_id"],
            "event_type": envelope["event_type"], "payload": body["payload"]}
    with ending_open_transaction(store.session):
        if is_link_event(envelope["event_type"]):  # names two children, refolds neither
            store.keep_link(fact["record_id"], fact["event_type"], fact["payload"])
        else:
            store.apply_registry_fact(fact, admin_units())
        store.session.commit()
    return True


def catch_up_registry(store: RegistryCopyStore, fetch: Fetch, park: Park) -> dict:
    """Copy what the registry's log holds past the saved position (``shared.plumbing.event_logs``)."""
    return follow_or_skip(store.session, REGISTRY, fetch, store.position_model, record_id_of,
                          store.copied_among, lambda envelope: copy_registry_event(store, envelope), park)


def follow_registry(service: type) -> None:
    """Give a sector service ``handle_registry_<event_type>`` for every registry event, and
    ``catch_up_registry`` (RPC and timer) over the registry's event log."""

    def _copy_registry_event(self, body: dict) -> None:
        copy_registry_event(self.repository(), body)

    def catch_up_from_registry(self) -> dict:
        """Copy the registry events this sector missed (read from the registry's event log)."""
        result = catch_up_registry(self.repository(), partial(fetch_page, self.registry_log[REGISTRY]),
                                   self.park)
        count_catch_ups(self.name, {REGISTRY: result})
        return result

    def catch_up_periodically(self) -> None:
        catch_up_from_registry(self)

    service._copy_registry_event = _copy_registry_event
    service.registry_log = EventLogs((REGISTRY,))
    service.park = DeadLetters()
    catch_up_from_registry.__name__ = "catch_up_registry"
    service.catch_up_registry = guarded("operate")(catch_up_from_registry)
    service.catch_up_registry_periodically = configured_timer(CATCH_UP_INTERVAL_KEY, 60)(
        catch_up_periodically)
    add_event_handlers(service, [(REGISTRY, event_type) for event_type in event_types(REGISTRY)
                                 if not is_referral_event(event_type)],
                       "_copy_registry_event",
                       "Keep the registry's {event_type} in this sector's list of children.")
