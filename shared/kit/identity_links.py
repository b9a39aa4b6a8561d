"""The identity links a service keeps, read a child's group at a time: which ids are one child.

A service that answers about children (a sector's registry copy, the registry itself) keeps every
``identity_linked`` and ``identity_unlinked`` it wrote or received as a row of its links table
(``IdentityLinkMixin``), indexed by both ids it names. ``LinkedIds`` (mixed into its store, naming
``link_model``) reads only the links of the children it is asked about — the group of ids ever
linked with them (``identity.linked_group``: a few indexed lookups) — and folds them with the
contract's ``live_links``/``canonical_ids``/``members_of``, so the cost of a question does not grow
with the number of children ever linked in the province.
"""

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import JSON, Select, String, Table, bindparam, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.contracts import load_fact
from shared.contracts.identity import LINKED, canonical_ids, linked_group, live_links, members_of
from shared.plumbing.db import dialect_insert

REGISTRY = "registry"


class IdentityLinkMixin:
    """A registry ``identity_linked`` or ``identity_unlinked``, by the two ids it names."""

    __tablename__ = "identity_links"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    provisional_id: Mapped[str] = mapped_column(String(32), index=True)
    child_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)


@cache
def _touching_statement(table: Table) -> Select:
    """``LinkedIds._touching``'s query, built once per links table: every write reads its child's
    links first, and building an ORM query of link objects cost more than SQLite took to answer."""
    return select(table).where(or_(table.c.provisional_id.in_(bindparam("as_provisional", expanding=True)),
                                   table.c.child_id.in_(bindparam("as_child", expanding=True))))


class LinkedIds:
    """Group-scoped reads of a store's links table (``link_model``, on ``session``)."""

    session: Session
    link_model: type
    source: str

    def keep_link(self, record_id: str, event_type: str, payload: dict[str, Any]) -> None:
        """Keep a link or an unlink (once: the primary key makes a redelivery a no-op)."""
        self.session.execute(dialect_insert(self.session)(self.link_model).on_conflict_do_nothing(), {
            "record_id": record_id, "provisional_id": payload["provisional_id"],
            "child_id": payload["child_id"], "event_type": event_type, "payload": payload})

    def _touching(self, ids: set[str]) -> list[Any]:
        """The rows (read-only, by column name) naming any of ``ids`` on either side."""
        ids = sorted(ids)
        return list(self.session.execute(_touching_statement(self.link_model.__table__),
                                         {"as_provisional": ids, "as_child": ids}))

    def link_rows(self, ids: Iterable[str]) -> list[Any]:
        """The link and unlink rows of the group of ids ever linked with ``ids``."""
        return linked_group(ids, self._touching)[1]

    def group_links(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Each provisional id's live link payload, in the group of ``ids``."""
        rows = self.link_rows(ids)
        return live_links(load_fact(REGISTRY, r.record_id, r.event_type, r.payload) for r in rows)

    def targets(self, ids: Iterable[str]) -> dict[str, str]:
        """``{provisional id: the id its live link names}`` in the group of ``ids``."""
        return {provisional_id: link["child_id"] for provisional_id, link in self.group_links(ids).items()}

    def now_are(self, ids: Iterable[str]) -> dict[str, str]:
        """The child each of ``ids`` now is (itself when not linked)."""
        ids = list(ids)
        canonical = canonical_ids(self.targets(ids)) if ids else {}
        return {child_id: canonical.get(child_id, child_id) for child_id in ids}

    def linked_among(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are provisional ids with a live link (now another child)."""
        ids = set(ids)
        return set(self.targets(ids)) & ids if ids else set()

    def ever_linked_among(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` were ever linked to another (a link, undone or not)."""
        ids = set(ids)
        if not ids:
            return set()
        model = self.link_model
        return set(self.session.scalars(select(model.provisional_id).where(
            model.provisional_id.in_(ids), model.event_type == LINKED)))

    def also_locked(self, cmd: dict[str, Any]) -> list[str]:
        """A write about a linked id also locks the child it now is, so two writes under two ids
        of one child take turns (a rule checked over all its ids cannot be raced past). Read
        before the locks are taken, all in one ordered call: never a lock taken after another."""
        child_id = cmd.get("child_id")
        if not isinstance(child_id, str):
            return []
        now = self.now_are([child_id])[child_id]
        return [f"{self.source}:{now}"] if now != child_id else []

    def also_locked_for(self, cmds: list[dict[str, Any]]) -> list[str]:
        """``also_locked`` for a batch, in one read of the links."""
        now = self.now_are({cmd["child_id"] for cmd in cmds if isinstance(cmd.get("child_id"), str)})
        return [f"{self.source}:{child}" for child_id, child in now.items() if child != child_id]

    def member_ids(self, child_id: str) -> list[str]:
        """Every id that is now the child ``child_id`` is: the child first, then its provisional ids."""
        targets = self.targets([child_id])
        return members_of(canonical_ids(targets).get(child_id, child_id), targets)

    def members_by_child(self, child_ids: list[str]) -> dict[str, list[str]]:
        """Each child's ids (itself first, then the provisional ids linked to it), in one group read."""
        by_child: dict[str, list[str]] = {}
        for provisional_id, child_id in canonical_ids(self.targets(child_ids) if child_ids else {}).items():
            by_child.setdefault(child_id, []).append(provisional_id)
        return {child_id: [child_id, *sorted(by_child.get(child_id, ()))] for child_id in child_ids}
