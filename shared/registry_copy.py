"""A sector's own copy of the registry: the registry's events as received, and one row per child.

Health and education answer about a child (its birth date and sex, where it lives, whether it is
alive) without calling the registry. Each keeps the registry's facts (the primary key makes a
redelivery a no-op) and refolds the child's row from all of them with
``shared.contracts.registry.fold_child``, so arrival order and voids do not matter. A sector declares
the two tables on its own base (``RegistryFactMixin``, ``KnownChildMixin``), makes its store a
``RegistryCopyStore`` naming them, and calls ``follow_registry(ServiceClass)``: one reliable handler
per registry event (retried, then dead-lettered, never dropped) keeps the copy.
"""

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from shared.admin_units import LEGACY, AdminUnits, admin_units
from shared.consumer import add_event_handlers
from shared.contracts import event_types, load_fact
from shared.contracts.registry import Residence, fold_child
from shared.events import load_envelope
from shared.records import SectorStore


class RegistryFactMixin:
    """A registry event as received."""

    __tablename__ = "registry_facts"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)


class KnownChildMixin:
    """What a sector needs of a registered child: birth date, sex, where it lives now, alive or not."""

    __tablename__ = "known_children"

    child_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    date_of_birth = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    legacy_commune: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    current_commune: Mapped[str | None] = mapped_column(String(5), nullable=True, index=True)
    current_province: Mapped[str | None] = mapped_column(String(2), nullable=True)
    date_of_death = mapped_column(Date, nullable=True)


class RegistryCopyStore(SectorStore):
    """A sector store that also keeps the registry copy (``fact_model``, ``child_model``)."""

    fact_model: type
    child_model: type

    def known_child(self, child_id: str) -> Any:
        return self.session.get(self.child_model, child_id)

    def known_children(self, child_ids: list[str]) -> dict[str, Any]:
        """The known ones among these children, by id (one query)."""
        model = self.child_model
        found = self.session.scalars(select(model).where(model.child_id.in_(child_ids))) if child_ids else []
        return {child.child_id: child for child in found}

    def children_in(self, column: str, commune_code: str) -> list[Any]:
        model = self.child_model
        query = select(model).where(getattr(model, column) == commune_code)
        return list(self.session.scalars(query.order_by(model.child_id)))

    def apply_registry_fact(self, fact: dict, units: AdminUnits) -> None:
        """Keep a registry event (once) and refold the child's row from all its registry facts."""
        facts, children = self.fact_model, self.child_model
        dialect = {"postgresql": postgresql, "sqlite": sqlite}[self.session.get_bind().dialect.name]
        self.session.execute(dialect.insert(facts).on_conflict_do_nothing(), fact)
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
            "date_of_death": date_of_death}


def copy_registry_event(store: RegistryCopyStore, body: dict) -> None:
    """Apply one registry event to the copy and commit (an invalid one raises: retried, parked)."""
    envelope = load_envelope(body)
    store.apply_registry_fact({"record_id": envelope["payload"]["record_id"],
                               "child_id": envelope["child_id"], "event_type": envelope["event_type"],
                               "payload": body["payload"]}, admin_units())
    store.session.commit()


def follow_registry(service: type) -> None:
    """Give a sector service ``handle_registry_<event_type>`` for every registry event."""

    def _copy_registry_event(self, body: dict) -> None:
        copy_registry_event(self.repository(), body)

    service._copy_registry_event = _copy_registry_event
    add_event_handlers(service, [("registry", event_type) for event_type in event_types("registry")],
                       "_copy_registry_event",
                       "Keep the registry's {event_type} in this sector's list of children.")
