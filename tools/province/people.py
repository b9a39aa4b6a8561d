"""The children of a generated province: cohorts, sex, personal ids, names, ethnicity, household
poverty, where each lives, and the few facts of its life every sector's records depend on (when its
birth was registered, whether it moved or died, whether its birth record was a duplicate).

Birth cohorts (completed years 0-8 on ``as_of``) are nearly equal, each year's a little smaller than
the one before (``COHORT_FALL``), split exactly by largest remainder; within a cohort birthdays are
uniform. Boys are born 1.11 to a girl (Vietnam's sex ratio at birth). The personal id follows Decree
137/2015: the legacy province code, century and sex, the birth year, then a serial (the child's number).
"""

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from shared.rules.registration import ON_TIME_DAYS
from tools.province.names import full_name
from tools.province.places import Place

AGES = range(9)  # completed years on as_of: children 0-8
COHORT_FALL = 0.02  # each younger cohort is 2% of the oldest smaller than the one before
BOYS_PER_GIRL = 1.11
MINORITIES = {"Thái": 32, "Mông": 26, "Dao": 13, "Hà Nhì": 5, "Giáy": 5, "Khơ Mú": 2, "Lự": 2, "Cống": 1,
              "Mảng": 1, "La Hủ": 1, "Si La": 1}
MOVE_SHARE, DEATH_SHARE, DUPLICATE_SHARE = 0.03, 0.002, 0.004


@dataclass(frozen=True)
class Child:
    n: int
    child_id: str
    full_name: str
    sex: str
    born: date
    ethnicity: str
    poverty: str
    home: Place
    registered_on: date | None  # None: not registered by as_of
    moved: tuple[date, Place] | None = None
    died_on: date | None = None
    duplicate: bool = False  # its birth was registered twice: the record is voided later

    @property
    def on_time(self) -> bool:
        return self.registered_on is not None and (self.registered_on - self.born).days <= ON_TIME_DAYS

    def place_on(self, day: date) -> Place:
        return self.moved[1] if self.moved and day >= self.moved[0] else self.home

    def alive_on(self, day: date) -> bool:
        return self.born <= day and (self.died_on is None or self.died_on > day)


def cohort_sizes(children: int) -> dict[int, int]:
    """Children per completed year of age, adding up to ``children`` exactly (largest remainder)."""
    weights = {age: 1 - COHORT_FALL * (max(AGES) - age) for age in AGES}
    shares = {age: children * w / sum(weights.values()) for age, w in weights.items()}
    sizes = {age: int(share) for age, share in shares.items()}
    for age in sorted(AGES, key=lambda a: (sizes[a] - shares[a], a))[:children - sum(sizes.values())]:
        sizes[age] += 1
    return sizes


def birthday(rng: random.Random, age: int, as_of: date) -> date:
    """A birthday of a child ``age`` completed years old on ``as_of``."""
    youngest = as_of.replace(year=as_of.year - age) if (as_of.month, as_of.day) != (2, 29) else as_of
    oldest = youngest.replace(year=youngest.year - 1) + timedelta(days=1)
    return oldest + timedelta(days=rng.randrange((youngest - oldest).days + 1))


def personal_id(province: str, sex: str, born: date, serial: int) -> str:
    century_sex = (born.year // 100 - 19) * 2 + (1 if sex == "female" else 0)
    return f"0{province}{century_sex}{born.year % 100:02d}{serial:06d}"


def ethnicity(rng: random.Random, place: Place) -> str:
    if rng.random() < place.rate(0.75, 0.05):
        return "Kinh"
    return rng.choices(list(MINORITIES), weights=list(MINORITIES.values()))[0]


def poverty(rng: random.Random, place: Place) -> str:
    draw = rng.random()
    poor = place.rate(0.03, 0.48)
    return "poor" if draw < poor else "near_poor" if draw < poor + place.rate(0.04, 0.16) else "none"


def registration(rng: random.Random, born: date, place: Place, as_of: date) -> date | None:
    """Most births within 60 days, the later the more remote; None if not registered by ``as_of``."""
    on_time = rng.random() < place.rate(0.97, 0.67)
    days = rng.randint(1, ON_TIME_DAYS) if on_time else ON_TIME_DAYS + int(rng.expovariate(1 / 120)) + 1
    registered = born + timedelta(days=days)
    return registered if registered <= as_of else None


def _day_between(rng: random.Random, first: date, last: date) -> date | None:
    return first + timedelta(days=rng.randrange((last - first).days + 1)) if first <= last else None


def life(rng: random.Random, child: Child, places: list[Place], as_of: date) -> Child:
    """The move, death or duplicate registration, if any, of a registered child."""
    if child.registered_on is None:
        return child
    moved, died = None, None
    others = [p for p in places if p.current != child.home.current]
    if others and rng.random() < MOVE_SHARE:
        day = _day_between(rng, child.registered_on + timedelta(days=30), as_of)
        moved = (day, rng.choice(others)) if day else None
    if rng.random() < DEATH_SHARE:
        died = _day_between(rng, child.registered_on + timedelta(days=1), as_of)
        moved = moved if moved and died and moved[0] < died else None
    return replace(child, moved=moved, died_on=died, duplicate=rng.random() < DUPLICATE_SHARE)


def children(count: int, seed: int, province: str, places: list[Place], as_of: date) -> list[Child]:
    """``count`` children 0-8 on ``as_of``, numbered from 1, oldest cohort first."""
    rng, born_of = random.Random(f"{seed}/people"), []
    for age, size in sorted(cohort_sizes(count).items(), reverse=True):
        born_of += [birthday(rng, age, as_of) for _ in range(size)]
    weights = [p.weight for p in places]
    made = []
    for n, born in enumerate(born_of, start=1):
        sex = "male" if rng.random() < BOYS_PER_GIRL / (1 + BOYS_PER_GIRL) else "female"
        home = rng.choices(places, weights=weights)[0]
        group = ethnicity(rng, home)
        child = Child(n, personal_id(province, sex, born, n), full_name(rng, group, sex), sex, born, group,
                      poverty(rng, home), home, registration(rng, born, home, as_of))
        made.append(life(rng, child, places, as_of))
    return made
