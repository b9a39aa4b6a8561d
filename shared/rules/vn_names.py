"""Vietnamese names for matching (``data/vn_names.yaml``), pure: folding, parsing and the newborn label.

A name is compared in two forms: its accented form (NFC, lower case, spaces collapsed) and its folded
form (diacritics dropped after NFD, and ``đ``/``Đ`` and the look-alike eth ``Ð`` made ``d``, which NFD
leaves whole); an exact accented match is stronger evidence than a folded-only one. ``parse`` reads a
full name in Vietnamese order (family, middle names, given), re-reading one written given-first
("Lan Nguyễn Thị") from its family name, and recognises the newborn label ("con của X", "CCM X",
"bé gái con chị X"...) whose ``X`` is the mother's name, and the label by the father ("con ông X",
"con anh X") whose ``X`` is not. Common middle names (Văn, Thị...) are listed so comparators can
discount them.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

import yaml

SPACES = re.compile(r"[\s,.;:_\-/]+")
_D = str.maketrans({"đ": "d", "Đ": "D", "Ð": "D", "ð": "d"})  # eth Ð (U+00D0) is Đ in legacy encodings


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "vn_names.yaml").read_text("utf-8"))


def accented(text: str) -> str:
    """``text`` in NFC, lower case, with runs of spaces and punctuation made one space."""
    return SPACES.sub(" ", unicodedata.normalize("NFC", text).lower()).strip()


def fold(text: str) -> str:
    """``text`` without diacritics (``Đ``/``đ``, and the look-alike eth ``Ð``/``ð``, → ``d``), lower case,
    spaces collapsed."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    return accented("".join(c for c in decomposed if not unicodedata.combining(c)))


@cache
def family_names() -> frozenset[str]:
    return frozenset(fold(name) for name in rules()["family_names"])


@cache
def common_middle_names() -> frozenset[str]:
    return frozenset(fold(name) for name in rules()["common_middle_names"])


@cache
def _label_patterns() -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The optional lead words, the prefixes before a mother's name, those before a father's name."""
    label = rules()["newborn_label"]
    by_length = lambda words: -len(words)  # noqa: E731  the longest prefix first
    return tuple(tuple(sorted((tuple(w) for w in label[key]), key=by_length))
                 for key in ("lead", "prefixes", "father_prefixes"))


@dataclass(frozen=True)
class Name:
    """A parsed name: ``words`` accented, ``folded`` the same words folded, both in Vietnamese order
    (family, middle(s), given); ``swapped`` when it was written given-first."""

    words: tuple[str, ...]
    folded: tuple[str, ...]
    swapped: bool = False

    @property
    def family(self) -> str:
        return self.folded[0] if len(self.folded) > 1 else ""

    @property
    def given(self) -> str:
        return self.folded[-1] if self.folded else ""

    @property
    def middles(self) -> tuple[str, ...]:
        return self.folded[1:-1]

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def folded_text(self) -> str:
        return " ".join(self.folded)


@dataclass(frozen=True)
class Parsed:
    """What a name field says: the child's ``name`` (None for a label), or the ``mother`` a newborn
    label names (``label`` True), or the ``father`` a label such as "con ông X" names."""

    name: Name | None
    mother: Name | None = None
    label: bool = False
    father: Name | None = None  # "con ông X": the father's name, never compared with the mother's


def _ordered(words: tuple[str, ...], folded: tuple[str, ...]) -> Name:
    families = family_names()
    if len(folded) < 2 or folded[0] in families:
        return Name(words, folded)
    at = next((i for i in range(1, len(folded)) if folded[i] in families), None)
    if at is None:
        return Name(words, folded)
    if at == len(folded) - 1 and len(folded) > 2:  # fully reversed: "Lan Thị Nguyễn"
        return Name(words[::-1], folded[::-1], swapped=True)
    return Name(words[at:] + words[:at], folded[at:] + folded[:at], swapped=True)  # "Lan Nguyễn Thị"


@lru_cache(maxsize=65536)
def name_of(text: str | None) -> Name | None:
    """``text`` as a name in Vietnamese order, or None when it holds no word."""
    if not text:
        return None
    words = tuple(accented(text).split())
    if not words:
        return None
    return _ordered(words, tuple(fold(word) for word in words))


def _label_length(folded: tuple[str, ...], father: bool = False) -> int:
    """How many leading words of ``folded`` are a newborn label naming the mother (or, with ``father``,
    the father) (0: none)."""
    leads, mothers, fathers = _label_patterns()
    start = next((len(lead) for lead in leads if folded[:len(lead)] == lead), 0)
    for prefix in fathers if father else mothers:
        if folded[start:start + len(prefix)] == prefix:
            return start + len(prefix)
    return 0


@lru_cache(maxsize=65536)
def parse(text: str | None) -> Parsed:
    """A full name, or the newborn label and the mother's name it holds."""
    name = name_of(text)
    if name is None:
        return Parsed(None)
    words = tuple(accented(text or "").split())
    folded = tuple(fold(word) for word in words)
    length, by_father = _label_length(folded), _label_length(folded, father=True)
    if length > by_father and length < len(words):  # the longer prefix: "con của ông X" is the father's
        return Parsed(None, _ordered(words[length:], folded[length:]), label=True)
    if by_father > length and by_father < len(words):
        return Parsed(None, None, label=True, father=_ordered(words[by_father:], folded[by_father:]))
    if length or by_father:
        return Parsed(None, None, label=True)
    return Parsed(name)


def mother_label(text: str | None) -> str | None:
    """The mother's name a newborn label holds ("con của Lò Thị Mai" → "lò thị mai"), else None."""
    parsed = parse(text)
    return parsed.mother.text if parsed.label and parsed.mother else None
