"""Generated newborns for matching (``generate(n, seed)``): children of a handful of Lai Châu communes
(province 12, the 2025 map) with realistic Kinh and ethnic-minority names, their registered births and
the provisional records the sectors made before, deterministic for a seed.

Each child has a mother (a name and, mostly, a 12-digit ID) and a date of birth in 2026. Most are
registered 0-120 days after birth (late registrations among them), a share never is; the registered
birth names the mother (98%, as the certificate does) and mostly carries her ID. Before that,
0-2 provisional records name the child the way a sector types it: the newborn label "con của
<mother>" in its spellings, or the name without diacritics, in given-first order, with a one-letter
typo or without its middle name; an estimated date of birth a few days off; the mother's name and ID
sometimes. Twins share a mother and a day; near-namesakes (unrelated children of the same commune,
born within days, whose names differ by a letter or an accent) are the hard negatives. ``truth``
maps every record id to its child; ``records`` adds who made each record and on what day.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from shared.contracts.identity import SECTOR_LETTERS, is_provisional, mint_provisional_id
from shared.rules.admin_units import CURRENT, admin_units
from shared.rules.matching import Person
from shared.rules.vn_names import fold
from tools.province.names import KINH_FAMILIES, MINORITY_FAMILIES

PROVINCE = "12"
COMMUNES = 6
BORN_FROM = date(2026, 1, 1)
ETHNICITIES = {"Thái": 30, "Mông": 30, "Kinh": 20, "Dao": 12, "Hà Nhì": 8}
MIDDLE = {("Kinh", "male"): ["Văn", "Đức", "Minh", "Quang", "Hữu", "Gia", "Trọng", "Tuấn", "Đình", "Anh"],
          ("Kinh", "female"): ["Thị", "Ngọc", "Thu", "Thanh", "Khánh", "Bảo", "Thuỳ", "Phương", "Mai", "Hải"],
          ("Mông", "male"): ["A", "Văn", "Seo", "Mí"], ("Mông", "female"): ["Thị", "Mí", "Thị", "Pà"],
          (None, "male"): ["Văn", "Văn", "Đức"], (None, "female"): ["Thị", "Thị", "Thu"]}
GIVEN = {"male": ["An", "Bảo", "Minh", "Khang", "Nam", "Phúc", "Huy", "Đức", "Tuấn", "Long", "Quân", "Hải",
                  "Sơn", "Dũng", "Tú", "Páo", "Sính", "Chứ", "Lả", "Pao", "Thắng", "Hùng", "Khánh", "Đạt",
                  "Hiếu", "Kiên", "Lâm", "Lực", "Mạnh", "Nghĩa", "Phong", "Quyết", "Sáng", "Thành", "Trung",
                  "Vinh", "Vũ", "Xuân", "Dế", "Chá", "Dính", "Hờ", "Lử", "Nhè", "Pó", "Sài", "Tủa", "Vừ",
                  "Dương", "Khải", "Tiến", "Định", "Thuận", "Chiến", "Bình", "Công"],
         "female": ["Anh", "Linh", "Mai", "Lan", "Hương", "Ngọc", "Vy", "Trang", "Thảo", "Nhi", "Hà", "Dung",
                    "Mỷ", "Sua", "Pàng", "Xuân", "Hoa", "Chi", "Hằng", "Hạnh", "Huyền", "Loan", "Lụa", "Mơ",
                    "Nga", "Nhung", "Oanh", "Phương", "Quỳnh", "Sinh", "Tâm", "Thơm", "Thuý", "Tươi", "Uyên",
                    "Yến", "Dợ", "Chở", "Dua", "Mẩy", "Ly", "Xá", "Só", "Pà", "Kía", "Nhìa", "Dinh", "Vàng",
                    "Bích", "Diệp", "Giang", "Hiền", "Kim", "Lệ", "Nguyệt", "Thoa", "Vân", "Yên"]}
LABELS = ["con của {m}", "con cua {m}", "CCM {m}", "con bà {m}", "con chị {m}", "con mẹ {m}",
          "bé trai con của {m}", "bé gái con của {m}", "Con của {m}", "CON CỦA {m}"]
OTHER_SEX = {"male": "bé gái", "female": "bé trai"}
SOURCES = {letter: sector for sector, letter in SECTOR_LETTERS.items()}
LATE_SHARE = 0.2  # registrations after the 60 days the law gives
NEVER_REGISTERED = 0.08
TWIN_SHARE = 0.015  # of mothers
NAMESAKE_SHARE = 0.06  # of children: an unrelated child of the same commune with a near-identical name
PROVISIONALS = {0: 30, 1: 45, 2: 25}
SECTORS = {"health": 80, "protection": 10, "education": 5, "registry": 5}


def _pick(rng: random.Random, weights: dict) -> object:
    """One key of ``weights``, drawn in proportion to its value."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _family(rng: random.Random, ethnicity: str) -> str:
    if ethnicity == "Kinh":
        return str(_pick(rng, KINH_FAMILIES))
    return rng.choice(MINORITY_FAMILIES[ethnicity])


def _name(rng: random.Random, ethnicity: str, sex: str, family: str | None = None) -> str:
    middle = MIDDLE.get((ethnicity, sex)) or MIDDLE[(None, sex)]
    return f"{family or _family(rng, ethnicity)} {rng.choice(middle)} {rng.choice(GIVEN[sex])}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def strip_accents(text: str) -> str:
    """``text`` as typed on a keyboard without Vietnamese input: "Nguyễn Đức" → "Nguyen Duc"."""
    return " ".join(word.capitalize() for word in fold(text).split())


def typo(rng: random.Random, text: str) -> str:
    """One edit in one word of ``text``: a letter substituted, dropped, doubled or two swapped."""
    words = text.split()
    i = rng.randrange(len(words))
    word = words[i]
    at = rng.randrange(len(word))
    kind = rng.choice(["sub", "drop", "double", "swap"] if len(word) > 1 else ["sub", "double"])
    if kind == "sub":
        word = word[:at] + rng.choice("aeinotuhg") + word[at + 1:]
    elif kind == "drop":
        word = word[:at] + word[at + 1:]
    elif kind == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        at = min(at, len(word) - 2)
        word = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    words[i] = word
    return " ".join(words)


def typed(rng: random.Random, name: str) -> str:
    """``name`` as a sector may type it: without diacritics, given-first, with a typo, without its
    middle name, in capitals (independently, each with its own chance)."""
    words = name.split()
    if rng.random() < 0.10 and len(words) > 2:
        words = [words[-1], *words[:-1]]  # "Lan Nguyễn Thị"
    if rng.random() < 0.05 and len(words) > 2:
        words = [words[0], words[-1]]
    text = " ".join(words)
    if rng.random() < 0.30:
        text = strip_accents(text)
    if rng.random() < 0.08:
        text = typo(rng, text)
    if rng.random() < 0.08:
        text = text.upper()
    return text


class _Child:
    def __init__(self, key: str, name: str, sex: str, born: date, commune: str, mother: str,
                 mother_id: str | None) -> None:
        self.key, self.name, self.sex, self.born, self.commune = key, name, sex, born, commune
        self.mother, self.mother_id = mother, mother_id


def _children(rng: random.Random, n: int, communes: list[str]) -> list[_Child]:
    children: list[_Child] = []
    while len(children) < n:
        ethnicity = str(_pick(rng, ETHNICITIES))
        commune = rng.choice(communes)
        born = BORN_FROM + timedelta(days=rng.randrange(365))
        mother = _name(rng, ethnicity, "female")
        mother_id = f"0{PROVINCE}{_digits(rng, 9)}" if rng.random() < 0.9 else None
        family = mother.split()[0] if rng.random() < 0.15 else _family(rng, ethnicity)  # the father's, mostly
        sex = rng.choice(["male", "female"])
        name = _name(rng, ethnicity, sex, family)
        children.append(_Child(f"c{len(children)}", name, sex, born, commune, mother, mother_id))
        if rng.random() < TWIN_SHARE:
            twin_sex = sex if rng.random() < 0.5 else rng.choice(["male", "female"])
            children.append(_Child(f"c{len(children)}", _name(rng, ethnicity, twin_sex, family), twin_sex,
                                   born, commune, mother, mother_id))
        if rng.random() < NAMESAKE_SHARE:
            children.append(_namesake(rng, children[-1], ethnicity, f"c{len(children)}"))
    return children[:n]


def _namesake(rng: random.Random, child: _Child, ethnicity: str, key: str) -> _Child:
    """An unrelated child of the same commune, born within ten days, whose name differs from
    ``child``'s by an accent, a letter or the middle name, with a mother of the same family name."""
    words = child.name.split()
    change = rng.choice(["accent", "letter", "middle", "same"])
    if change == "accent":
        words[-1] = strip_accents(words[-1]) if strip_accents(words[-1]) != words[-1] else words[-1] + "h"
    elif change == "letter":
        words[-1] = typo(rng, words[-1])
    elif change == "middle":
        words[1] = rng.choice(MIDDLE.get((ethnicity, child.sex)) or MIDDLE[(None, child.sex)])
    mother = _name(rng, ethnicity, "female", child.mother.split()[0])
    born = child.born + timedelta(days=rng.randint(-10, 10))
    mother_id = f"0{PROVINCE}{_digits(rng, 9)}" if rng.random() < 0.9 else None
    return _Child(key, " ".join(words), child.sex, born, child.commune, mother, mother_id)


def _birth(rng: random.Random, child: _Child) -> Person:
    return Person(id=f"0{PROVINCE}{_digits(rng, 9)}", full_name=child.name, sex=child.sex,
                  date_of_birth=child.born, mother_name=child.mother if rng.random() < 0.98 else None,
                  mother_id=child.mother_id if rng.random() < 0.85 else None, commune_code=child.commune)


def _provisional(rng: random.Random, child: _Child, number: int) -> Person:
    labelled = rng.random() < 0.45
    label = rng.choice([lb for lb in LABELS if OTHER_SEX[child.sex] not in lb])
    full_name = label.format(m=typed(rng, child.mother)) if labelled else typed(rng, child.name)
    mother = typed(rng, child.mother) if rng.random() < (0.4 if labelled else 0.85) else None  # met with her
    estimated = rng.random() < 0.15
    born = child.born + timedelta(days=rng.choice([-5, -3, -2, -1, 1, 2, 3, 5])) if estimated else child.born
    sector = str(_pick(rng, SECTORS))
    return Person(id=mint_provisional_id(sector, f"{child.key}/{number}"), full_name=full_name, sex=child.sex,
                  date_of_birth=born, date_of_birth_estimated=estimated, mother_name=mother,
                  mother_id=child.mother_id if rng.random() < 0.3 else None, commune_code=child.commune)


def communes(count: int = COMMUNES) -> list[str]:
    return [c.code for c in admin_units().communes_in(PROVINCE, CURRENT)[:count]]


def generate(n: int, seed: int) -> tuple[list[Person], list[Person], dict[str, str]]:
    """``n`` newborns: their registered births, the sectors' provisional records, and ``{record id:
    child}`` for both, the same for the same seed."""
    rng = random.Random(seed)
    births, provisionals, truth = [], [], {}
    for child in _children(rng, n, communes()):
        if rng.random() >= NEVER_REGISTERED:
            births.append(_birth(rng, child))
            truth[births[-1].id] = child.key
        for number in range(int(_pick(rng, PROVISIONALS))):
            provisionals.append(_provisional(rng, child, number))
            truth[provisionals[-1].id] = child.key
    return births, provisionals, truth


@dataclass(frozen=True)
class Record:
    """A generated record as it reaches a service: who recorded it and on what day."""

    person: Person
    source: str  # registry for a registered birth; the sector that minted a provisional id
    recorded_on: date


def registration_delay(rng: random.Random) -> int:
    """Days from birth to registration: most within the 60 days the law gives, a fifth later."""
    return rng.randint(61, 120) if rng.random() < LATE_SHARE else rng.randint(0, 60)


def records(n: int, seed: int) -> tuple[list[Record], list[Record], dict[str, str]]:
    """``generate(n, seed)`` with the day each record was made: a birth registered 0-120 days after
    it (``LATE_SHARE`` after day 60), its provisional records before that (from the day of birth),
    in the order they reach the services; a never-registered child's within 60 days."""
    births, provisionals, truth = generate(n, seed)
    rng = random.Random(f"{seed}/days")
    registered = {truth[b.id]: b.date_of_birth + timedelta(days=registration_delay(rng)) for b in births}
    made = [Record(b, "registry", registered[truth[b.id]]) for b in births]
    for p in provisionals:
        last = registered.get(truth[p.id], p.date_of_birth + timedelta(days=60))
        first = min(p.date_of_birth, last)  # an estimated date may fall after a quick registration
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        made.append(Record(p, SOURCES[p.id[4]], day))
    made.sort(key=lambda r: (r.recorded_on, r.person.id))
    return ([r for r in made if not is_provisional(r.person.id)],
            [r for r in made if is_provisional(r.person.id)], truth)
