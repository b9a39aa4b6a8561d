"""How well matching does on records whose truth is known (``tools.newborns``): blocking, ``match`` and
``decide`` run as the registry runs them, then counted against the truth.

Each provisional child is matched against the registered births of its block (what a birth
registration, or a provisional record arriving after it, triggers) and against the other provisional
children of its block (two records of one child before any registration). Precision is over every
automatic link (a provisional-provisional pair counted once); recall over the true pairs of a
provisional child and its registered birth. A child's same-sex twin under the same "con của" label is
the same evidence as the child itself: the one-to-one rule sends both pairs to review, so such a true
pair counts as not linked (a recall loss), never as a wrong link.
"""

from collections import defaultdict
from dataclasses import dataclass

from shared.contracts.identity import is_provisional
from shared.rules import matching
from shared.rules.matching import LINK, REVIEW, Model, Person


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


def _blocks(people: list[Person]) -> dict[str | None, list[Person]]:
    groups: dict[str | None, list[Person]] = defaultdict(list)
    for person in people:
        groups[person.commune_code].append(person)
    return groups


def evaluate(births: list[Person], provisionals: list[Person], truth: dict[str, str],
             model: Model | None = None) -> Quality:
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

