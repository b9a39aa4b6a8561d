"""STUB of the matching rules (replaced at merge by the real Fellegi-Sunter module): who a child
known only provisionally may be, scored against candidates. Pure: no I/O.

The stub's score: +4 when the folded names agree (or the newborn label "con của <mother>" names the
candidate's mother, either way), +3 when the dates of birth are within the window, +2 when the sex
agrees, +3 when both mothers' IDs are given and equal (-10 when they differ); "link" at 9 or more,
"review" from 5, otherwise "apart". One-to-one: only the best candidate may be "link".
"""

import unicodedata
from dataclasses import dataclass
from datetime import date

WINDOW_DAYS = 60
LINK_AT, REVIEW_AT = 9.0, 5.0
LABEL = "con cua "


@dataclass(frozen=True)
class Person:
    id: str
    full_name: str | None
    sex: str
    date_of_birth: date
    date_of_birth_estimated: bool = False
    mother_name: str | None = None
    mother_id: str | None = None
    commune_code: str | None = None


@dataclass(frozen=True)
class Scored:
    candidate: Person
    score: float
    decision: str  # "link" | "review" | "apart"
    levels: dict[str, str]


def blocking_window_days() -> int:
    return WINDOW_DAYS


def fold(name: str | None) -> str:
    if not name:
        return ""
    text = name.replace("Đ", "D").replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(text.lower().split())


def _mother_of_label(name: str | None) -> str:
    folded = fold(name)
    return folded[len(LABEL):] if folded.startswith(LABEL) else ""


def _name_level(a: Person, b: Person) -> str:
    if fold(a.full_name) and fold(a.full_name) == fold(b.full_name):
        return "exact" if a.full_name == b.full_name else "folded"
    label_a, label_b = _mother_of_label(a.full_name), _mother_of_label(b.full_name)
    if (label_a and label_a == fold(b.mother_name)) or (label_b and label_b == fold(a.mother_name)):
        return "label_mother"
    if fold(a.mother_name) and fold(a.mother_name) == fold(b.mother_name):
        return "mother"
    return "different"


def _levels(a: Person, b: Person) -> dict[str, str]:
    days = abs((a.date_of_birth - b.date_of_birth).days)
    mother_id = ("missing" if not (a.mother_id and b.mother_id)
                 else "equal" if a.mother_id == b.mother_id else "different")
    return {"name": _name_level(a, b), "date_of_birth": "exact" if days == 0 else
            "window" if days <= WINDOW_DAYS else "far", "sex": "equal" if a.sex == b.sex else "different",
            "mother_id": mother_id}


def _score(levels: dict[str, str]) -> float:
    score = 4.0 if levels["name"] != "different" else 0.0
    score += 3.0 if levels["date_of_birth"] != "far" else 0.0
    score += 2.0 if levels["sex"] == "equal" else 0.0
    score += {"equal": 3.0, "different": -10.0}.get(levels["mother_id"], 0.0)
    return score


def match(person: Person, candidates: list[Person]) -> list[Scored]:
    """The candidates scored against ``person``, best first; only the best may be a "link"."""
    scored = sorted(((c, _levels(person, c)) for c in candidates if c.id != person.id),
                    key=lambda pair: (-_score(pair[1]), pair[0].id))
    result = []
    for rank, (candidate, levels) in enumerate(scored):
        score = _score(levels)
        decision = "link" if score >= LINK_AT and rank == 0 else "review" if score >= REVIEW_AT else "apart"
        result.append(Scored(candidate, score, decision, levels))
    return result
