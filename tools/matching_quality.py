"""How well matching does on records whose truth is known (``tools.newborns``), replayed as the registry
meets them: one record at a time in the order they are recorded, each matched only against what is
already stored, with the candidate rules of ``services/registry/matcher.py`` (keep the two in step).

After a birth is registered, it is scored against the stored provisional children of its block that
were never linked, and every one at "link" is linked to it. After a provisional child arrives (never
linked yet), it is scored against the stored provisional children of its block never linked and the
stored registered births of its block, and linked to the best at "link" only (one link per provisional
id). Precision is over every automatic link made; recall over the provisional children whose child is
registered: those whose chain of links ends at their own child's birth. ``evaluate_batch`` is the
older figure (every provisional child against every record of its block at once), kept to compare.
"""

from collections import defaultdict
from dataclasses import dataclass

from shared.contracts.identity import canonical_ids, is_provisional
from shared.rules import matching
from shared.rules.matching import LINK, REVIEW, Model, Person, Scored
from tools.newborns import Record


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    review_share: float  # provisional children with a registered candidate in review, of all
    links: int
    wrong_links: int
    true_pairs: int
    found_pairs: int
    pairs_scored: int
    undone: int = 0  # links by rule undone by rule when a twin's birth revealed them doubtful
    undone_wrong: int = 0  # of those, the ones that were wrong


class _Store:
    """What the registry holds so far: records by commune, and the provisional ids ever linked."""

    def __init__(self) -> None:
        self.births: dict[str | None, list[Person]] = defaultdict(list)
        self.provisionals: dict[str | None, list[Person]] = defaultdict(list)
        self.ever_linked: set[str] = set()
        self.links: dict[str, str] = {}  # provisional id -> the id it was linked to
        self.reviewed: set[str] = set()  # provisional ids with a registered candidate in review
        self.scored = 0
        self.undone: dict[str, str] = {}  # provisional id -> the birth its undone link named

    def provisional_candidates(self, person: Person, model: Model | None) -> list[Person]:
        return [p for p in self.provisionals[person.commune_code] if p.id != person.id
                and p.id not in self.ever_linked and matching.in_block(person, p, model)]

    def birth_candidates(self, person: Person, model: Model | None) -> list[Person]:
        return [b for b in self.births[person.commune_code] if matching.in_block(person, b, model)]

    def link(self, provisional_id: str, target: str) -> None:
        self.links[provisional_id] = target
        self.ever_linked.add(provisional_id)


def _twins_revealed(store: _Store, person: Person, model: Model | None) -> None:
    """A newly registered birth that a provisional child already linked by rule to another birth of
    its block would also be linked to (a twin's label, met when one twin was registered): that link
    is undone by rule and both pairs go to review."""
    births = {b.id: b for b in store.birth_candidates(person, model)}
    linked = {p.id: p for group in store.provisionals.values() for p in group
              if store.links.get(p.id) in births and matching.in_block(person, p, model)}
    for provisional in linked.values():
        again = matching.match(provisional, [births[store.links[provisional.id]], person], model)
        if any(result.id == person.id and result.decision != matching.APART for result in again) and all(
                result.decision != LINK for result in again):
            store.undone[provisional.id] = store.links.pop(provisional.id)
            store.reviewed.add(provisional.id)


def _after_birth(store: _Store, person: Person, model: Model | None) -> None:
    _twins_revealed(store, person, model)
    results = matching.match(person, store.provisional_candidates(person, model), model, one_to_one=False)
    store.scored += len(results)
    for result in results:
        if result.decision == LINK:
            store.link(result.id, person.id)
        elif result.decision == REVIEW:
            store.reviewed.add(result.id)
    store.births[person.commune_code].append(person)


def _after_provisional(store: _Store, person: Person, model: Model | None) -> None:
    births = matching.match(person, store.birth_candidates(person, model), model)
    others = matching.match(person, store.provisional_candidates(person, model), model, provisional_pair=True)
    results: list[Scored] = births + others
    store.scored += len(results)
    best = next((result for result in results if result.decision == LINK), None)  # a birth first
    if best is not None:
        store.link(person.id, best.id)
    if any(r.decision == REVIEW and not is_provisional(r.id) for r in results):
        store.reviewed.add(person.id)
    store.provisionals[person.commune_code].append(person)


def evaluate(records: list[Record], truth: dict[str, str], model: Model | None = None) -> Quality:
    """The records (births and provisional children, any order) replayed in ``recorded_on`` order."""
    store = _Store()
    for record in sorted(records, key=lambda r: (r.recorded_on, r.person.id)):
        if is_provisional(record.person.id):
            _after_provisional(store, record.person, model)
        else:
            _after_birth(store, record.person, model)
    provisionals = [r.person for r in records if is_provisional(r.person.id)]
    registered = {truth[r.person.id] for r in records if not is_provisional(r.person.id)}
    canonical = canonical_ids(store.links)
    wrong = sum(truth[a] != truth[b] for a, b in store.links.items())
    true_pairs = sum(truth[p.id] in registered for p in provisionals)
    found = sum(1 for p in provisionals if not is_provisional(canonical.get(p.id, p.id))
                and truth[canonical[p.id]] == truth[p.id])
    links = len(store.links)
    return Quality(precision=(links - wrong) / links if links else 1.0,
                   recall=found / true_pairs if true_pairs else 1.0,
                   review_share=len(store.reviewed) / len(provisionals) if provisionals else 0.0,
                   links=links, wrong_links=wrong, true_pairs=true_pairs, found_pairs=found,
                   pairs_scored=store.scored, undone=len(store.undone),
                   undone_wrong=sum(truth[a] != truth[b] for a, b in store.undone.items()))


def _blocks(people: list[Person]) -> dict[str | None, list[Person]]:
    groups: dict[str | None, list[Person]] = defaultdict(list)
    for person in people:
        groups[person.commune_code].append(person)
    return groups


def evaluate_batch(births: list[Person], provisionals: list[Person], truth: dict[str, str],
                   model: Model | None = None) -> Quality:
    """Every provisional child against every birth and other provisional child of its block at once
    (not how the registry runs: it sees only what is stored when a record arrives)."""
    births_in, provisionals_in = _blocks(births), _blocks(provisionals)
    registered = {truth[b.id] for b in births}
    links: set[tuple[str, str]] = set()
    reviewed, scored = 0, 0
    for person in provisionals:
        near = [b for b in births_in[person.commune_code] if matching.in_block(person, b, model)]
        others = [p for p in provisionals_in[person.commune_code]
                  if p.id != person.id and matching.in_block(person, p, model)]
        to_births = matching.match(person, near, model)
        to_others = matching.match(person, others, model)
        scored += len(near) + len(others)
        reviewed += any(s.decision == REVIEW for s in to_births)
        links |= {(person.id, s.id) for s in to_births if s.decision == LINK}
        links |= {tuple(sorted((person.id, s.id))) for s in to_others if s.decision == LINK}
    wrong = sum(truth[a] != truth[b] for a, b in links)
    true_pairs = sum(truth[p.id] in registered for p in provisionals)
    found = sum(truth[a] == truth[b] for a, b in links if not is_provisional(b))
    return Quality(precision=(len(links) - wrong) / len(links) if links else 1.0,
                   recall=found / true_pairs if true_pairs else 1.0,
                   review_share=reviewed / len(provisionals) if provisionals else 0.0,
                   links=len(links), wrong_links=wrong, true_pairs=true_pairs, found_pairs=found,
                   pairs_scored=scored)
