"""Matching newborns' records with Fellegi-Sunter weights (``data/matching.yaml``), pure.

A registered birth and a provisional child (or two provisional children) are compared field by
field — the child's name and the mother (her ID when both give it, else her name) with
Vietnamese-aware comparators (``shared.rules.vn_names``: accented and folded, order swaps, common
middle names, the newborn label read as the mother's name), date of birth, sex — each giving a
comparison level. A pair's
weight is the sum over fields of ``log2(m/u)`` for its level, where ``m`` is how often true pairs
show that level and ``u`` how often other pairs do; ``decide`` turns it into link / review / apart at
the thresholds, and ``match`` adds the one-to-one rule (two candidates above the upper threshold for
one person — twins under the same "con của" label — are both sent to review, neither linked).

Why estimation and scoring are apart: the m/u probabilities are estimated in batch by
``tools.matching_weights`` (unsupervised EM with recordlinkage over all blocked pairs of a data set:
seconds, pandas and scikit-learn, needing the whole population), while a service only applies
them when an event arrives — a birth registered, a provisional child recorded — to the few dozen
candidates of its block: a table look-up and a sum per pair, microseconds, with rapidfuzz as the only
runtime dependency. Re-estimating is re-running the tool and committing the data file.
"""

import math
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import token_sort_ratio

from shared.rules.vn_names import Name, common_middle_names, name_of, parse

ESTIMATED_MARKER = "# ---- estimated by tools.matching_weights"
LINK, REVIEW, APART = "link", "review", "apart"


@dataclass(frozen=True)
class Person:
    """One side of a pair: a registered birth or a provisional child."""

    id: str
    full_name: str | None  # may be the newborn label "con của Lò Thị Mai"
    sex: str  # male / female
    date_of_birth: date
    date_of_birth_estimated: bool = False
    mother_name: str | None = None  # registered births carry it when given; else the carer's name
    mother_id: str | None = None  # 12 digits when known
    commune_code: str | None = None


@dataclass(frozen=True)
class Model:
    """Log-weights per field and level, the thresholds and the blocking window."""

    weights: dict[str, dict[str, float]]
    upper: float
    lower: float
    window_days: int


@dataclass(frozen=True)
class Scored:
    """One candidate's score against a person, its decision, and the levels that gave it."""

    id: str
    score: float
    decision: str
    levels: dict[str, str] = field(compare=False)


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "matching.yaml").read_text("utf-8"))


def model_from(data: dict[str, Any]) -> Model:
    """The model a matching.yaml-shaped mapping describes (its m/u probabilities as log2 weights)."""
    floor = data["probability_floor"]
    weights = {
        name: {level: math.log2(max(data["m"][name][level], floor) / max(data["u"][name][level], floor))
               for level in levels}
        for name, levels in data["levels"].items()}
    return Model(weights, data["thresholds"]["upper"], data["thresholds"]["lower"],
                 data["blocking_window_days"])


@cache
def default_model() -> Model:
    return model_from(rules())


def blocking_window_days() -> int:
    """The largest difference between two dates of birth for the records to be candidates."""
    return rules()["blocking_window_days"]


def in_block(a: Person, b: Person, model: Model | None = None) -> bool:
    """Whether ``b`` is a candidate for ``a``: dates of birth within the window, same commune when
    both name one."""
    window = model.window_days if model else blocking_window_days()
    same_place = not a.commune_code or not b.commune_code or a.commune_code == b.commune_code
    return same_place and abs((a.date_of_birth - b.date_of_birth).days) <= window


def _middles_differ_little(a: Name, b: Name) -> bool:
    differing = set(a.middles) ^ set(b.middles)
    return not a.middles or not b.middles or differing <= common_middle_names()


def _typed_with_accents(name: Name) -> bool:
    return name.words != name.folded


def name_level(a: Name | None, b: Name | None) -> str:
    """The comparison level of two names (see ``levels`` in matching.yaml)."""
    if a is None or b is None:
        return "missing"
    if a.folded == b.folded:
        if a.swapped != b.swapped:
            return "swapped"
        if a.words == b.words:
            return "exact"
        return "accents_differ" if _typed_with_accents(a) and _typed_with_accents(b) else "folded_exact"
    if sorted(a.folded) == sorted(b.folded):
        return "swapped"
    if a.family and a.family == b.family and a.given == b.given and _middles_differ_little(a, b):
        return "family_given"
    if Levenshtein.distance(a.folded_text, b.folded_text) <= rules()["typo_edits"]:
        return "typo"
    if token_sort_ratio(a.folded_text, b.folded_text) >= rules()["similar_ratio"]:
        return "similar"
    return "different"


def _mothers(person: Person) -> list[Name]:
    parsed = parse(person.full_name)
    found = [name_of(person.mother_name), parsed.mother if parsed.label else None]
    return [name for name in found if name is not None]


def _best(levels: list[str], order: list[str]) -> str:
    return min(levels, key=order.index, default="missing")


def dob_level(a: Person, b: Person) -> str:
    """Exact; a week apart when either date is an estimate (as expected of one); else by the days
    two stated dates disagree."""
    days = abs((a.date_of_birth - b.date_of_birth).days)
    if days == 0:
        return "exact"
    if days <= 7 and (a.date_of_birth_estimated or b.date_of_birth_estimated):
        return "estimated_within_7"
    if days <= 3:
        return "within_3"
    if days <= 7:
        return "within_7"
    return "within_window" if days <= blocking_window_days() else "different"


def mother_level(a: Person, b: Person) -> str:
    """The mother's level: by her ID when both sides give it (one ID, one mother), else by her name
    (mother_name, the carer's name or the newborn label; the best of their comparisons)."""
    if a.mother_id and b.mother_id:
        return "id_same" if a.mother_id == b.mother_id else "id_different"
    names = [name_level(x, y) for x in _mothers(a) for y in _mothers(b)]
    return _best(names, rules()["levels"]["mother"])


def compare(a: Person, b: Person) -> dict[str, str]:
    """The comparison level of each field for the pair ``a``, ``b``."""
    return {
        "name": name_level(parse(a.full_name).name, parse(b.full_name).name),
        "mother": mother_level(a, b),
        "dob": dob_level(a, b),
        "sex": "same" if a.sex == b.sex else "different",
    }


def weight(levels: dict[str, str], model: Model | None = None) -> float:
    """The Fellegi-Sunter match weight: the sum of each field's log2(m/u) at its level."""
    weights = (model or default_model()).weights
    return sum(weights[name][level] for name, level in levels.items())


def decide(score: float, model: Model | None = None) -> str:
    """``link`` at or above the upper threshold, ``review`` from the lower one, else ``apart``."""
    model = model or default_model()
    return LINK if score >= model.upper else REVIEW if score >= model.lower else APART


def _held_back(decision: str, levels: dict[str, str], provisional_pair: bool = False) -> str:
    """A link whose levels say "maybe two children" (``never_linked_automatically``, and between two
    provisional children also ``never_linked_automatically_between_provisionals``) is a review instead."""
    vetoes = [rules().get("never_linked_automatically", {})]
    if provisional_pair:
        vetoes.append(rules().get("never_linked_automatically_between_provisionals", {}))
    if decision == LINK and any(levels.get(field) in held for veto in vetoes for field, held in veto.items()):
        return REVIEW
    return decision


def match(person: Person, candidates: list[Person], model: Model | None = None,
          one_to_one: bool = True, provisional_pair: bool = False) -> list[Scored]:
    """Each candidate scored against ``person`` and decided, best first. With ``one_to_one`` (the
    candidates are other children ``person`` may be, e.g. the births a provisional child may be), when
    more than one is above the upper threshold (twins under one label), none is linked: all of those
    go to review. Without it (the provisional records a registered birth may gather: a child has
    several) each candidate is decided alone. ``provisional_pair``: ``person`` and the candidates are
    all provisional children."""
    model = model or default_model()
    scored = []
    for candidate in candidates:
        levels = compare(person, candidate)
        score = weight(levels, model)
        decision = _held_back(decide(score, model), levels, provisional_pair)
        scored.append(Scored(candidate.id, round(score, 4), decision, levels))
    scored.sort(key=lambda s: (-s.score, s.id))
    if one_to_one and sum(s.decision == LINK for s in scored) > 1:
        scored = [Scored(s.id, s.score, REVIEW, s.levels) if s.decision == LINK else s for s in scored]
    return scored
