"""The matcher for a batch of births (``register_births``): the same decisions as ``matcher.after_write``
for each birth in turn, with what they are matched against read once for the whole batch.

One-by-one matching reads, per birth, its block of provisional children, which of them were ever
linked, the ids an officer rejected for it and the block's live links by rule (``twins_revealed``):
several queries per birth. Here each is one query per batch (``Blocks``): the provisional children of
each ward of the batch born within the window of its earliest to its latest birth there, then, per birth,
its block cut out of them in memory and scored with the same rules. What a birth's links and undone
links change (a provisional child ever linked, a live link by rule) is read again for that
provisional child before the next birth is decided, so every birth sees what it would have seen
after the births before it. Where a birth may undo a link (a live link by rule in its block) or its
own matching fails, the one-by-one path runs (``matcher``): exact, and rare. A batch that holds
anything but births (a provisional child is matched against births and other provisional children)
is matched one by one.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.registry import matcher
from services.registry.matcher import BY_RULE, LINK, REVIEW, Subject, person_of_birth, person_of_provisional
from services.registry.repository import RegistryRepository, ward_of
from shared.contracts import load_fact
from shared.contracts.identity import RECORDED
from shared.rules.admin_units import admin_units
from shared.rules.matching import blocking_window_days

_log = logging.getLogger(__name__)
BIRTH = "birth_registered"


@dataclass
class Blocks:
    """What a batch's births are matched against, read once and kept current as the batch links."""

    by_ward: dict[str | None, list[Any]]  # live provisional children, by provisional id within a ward
    ever_linked: set[str]
    live_by_rule: set[str]  # provisional ids whose live link was made by the rule
    rejected: dict[str, set[str]] = field(default_factory=dict)  # by birth: ids an officer said are not it

    def block(self, ward: str | None, born: date) -> list[Any]:
        """``provisional_in_window`` for a birth, from memory (none: the birth has no candidate and
        nothing to doubt, and its one-by-one matching would do nothing)."""
        window = blocking_window_days()
        return [row for row in self.by_ward.get(ward, ()) if abs((row.date_of_birth - born).days) <= window]

    def refresh(self, repo: RegistryRepository, provisional_ids: list[str]) -> None:
        """Read again what links and undone links may have changed for ``provisional_ids``."""
        ids = set(provisional_ids)
        self.ever_linked = (self.ever_linked - ids) | repo.ever_linked_among(ids)
        self.live_by_rule = (self.live_by_rule - ids) | by_rule(repo.group_links(ids) if ids else {}, ids)
        repo.session.commit()  # nothing read stays open while the next links are written


def by_rule(live: dict[str, dict[str, Any]], ids: set[str]) -> set[str]:
    """Which of ``ids`` have a live link made by the rule."""
    return {p for p, link in live.items() if p in ids and link.get("linked_by") == BY_RULE}


@dataclass(frozen=True)
class Birth:
    """A birth of the batch as stored: where and when (its block), its payload loaded only if needed."""

    child_id: str
    ward: str | None
    born: date
    record_id: str
    payload: dict[str, Any]

    def subject(self, repo: RegistryRepository) -> Subject:
        """What ``matcher.subject`` gives for it."""
        birth = load_fact(repo.source, self.record_id, BIRTH, self.payload).payload
        return Subject(person_of_birth(self.child_id, birth), self.ward, birth["commune_code"], False)


def births_of(repo: RegistryRepository, child_ids: list[str]) -> dict[str, Birth]:
    """Each registered birth of ``child_ids``, in one query."""
    units = admin_units()
    return {child_id: Birth(child_id, ward_of(payload["commune_code"], payload["map_version"], units),
                            date.fromisoformat(payload["date_of_birth"]), record_id, payload)
            for child_id, (record_id, payload) in repo.stored_births(child_ids).items()}


def blocks_of(repo: RegistryRepository, births: list[Birth]) -> Blocks:
    """The provisional children every birth of the batch may be, and their links, in a few queries."""
    window, born = timedelta(days=blocking_window_days()), defaultdict(list)
    for birth in births:
        born[birth.ward].append(birth.born)
    rows = repo.provisional_in_spans({ward: (min(days) - window, max(days) + window)
                                      for ward, days in born.items()})
    by_ward: dict[str | None, list[Any]] = defaultdict(list)
    for row in rows:
        by_ward[row.ward].append(row)
    ids = [row.provisional_id for row in rows]
    return Blocks(dict(by_ward), repo.ever_linked_among(ids), by_rule(repo.group_links(ids) if ids else {},
                                                                      set(ids)),
                  repo.rejected_among([birth.child_id for birth in births]))


def after_writes(service: Any, responses: list[dict]) -> None:
    """``matcher.after_write`` for each response of a batch, in order, reading the births' blocks once."""
    if any(response.get("event_type") == RECORDED for response in responses):
        one_by_one(service, responses)
        return
    births = [response for response in responses if response.get("event_type") == BIRTH]
    if not births:
        return
    repo = service.repository()
    try:
        found = births_of(repo, sorted({response["child_id"] for response in births}))
        blocks = blocks_of(repo, list(found.values())) if found else None
        repo.session.commit()  # nothing read stays open while links are written
    except Exception:  # the writes stand; matching runs one by one instead
        _log.exception("a batch's blocks not read; matching its births one by one")
        repo.session.rollback()
        one_by_one(service, births)
        return
    for at, response in enumerate(births):
        birth = found.get(response["child_id"])
        if birth is None:  # voided meanwhile: the one-by-one path says so (NotFound, logged)
            matcher.after_write(service, response)
        elif blocks.block(birth.ward, birth.born) and not _looked(service, repo, blocks, birth, response):
            one_by_one(service, births[at + 1:])  # exact from here on: what it changed is read afresh
            return


def one_by_one(service: Any, responses: list[dict]) -> None:
    for response in responses:
        matcher.after_write(service, response)


def _looked(service: Any, repo: RegistryRepository, blocks: Blocks, birth: Birth, response: dict) -> bool:
    """Match one birth of the batch as ``matcher.after_write`` would; False if it failed (logged,
    rolled back): the rest of the batch then goes one by one."""
    rows = blocks.block(birth.ward, birth.born)
    ids = [row.provisional_id for row in rows]
    try:
        if blocks.live_by_rule.intersection(ids):  # a twin's label may be doubted: the one-by-one path
            matcher.after_write(service, response)
            blocks.refresh(repo, ids)
        else:
            _decide(service, repo, blocks, birth.subject(repo), rows)
    except Exception:  # the write stands; find_matches can be asked again
        _log.exception("matching after %s not run", BIRTH)
        repo.session.rollback()
        return False
    return True


def _decide(service: Any, repo: RegistryRepository, blocks: Blocks, sought: Subject, rows: list[Any]) -> None:
    """``matcher.look_for_matches`` for a birth whose block holds no live link by rule (nothing to
    undo), its candidates from ``blocks``."""
    rejected = blocks.rejected.get(sought.person.id, set())
    found = {person.id: person for person in (person_of_provisional(row) for row in rows
                                              if row.provisional_id not in blocks.ever_linked)
             if person.id not in rejected}
    results = matcher.decided(sought, list(found.values()))
    for result in results:
        if result.decision == LINK:
            matcher.link_by_rule(service, result.id, sought.person.id, result.score)
            blocks.refresh(repo, [result.id])
    reviews = [result for result in results if result.decision == REVIEW]
    for result in reviews:
        repo.add_review(result.id, sought.person.id, result.score, result.levels,
                        found[result.id].commune_code, sought.ward)
    if reviews:
        repo.session.commit()
