"""The indicator catalogue: every figure reporting serves, declared once as data.

Each source folder holds a ``catalogue.yaml``: the section's heading (and the name of its sheet in the
workbook) and its indicators, in the order the report lists them. An entry names the figure (``id``),
its Vietnamese and English labels, its numerator and denominator (count names of that source's
``conditions()``; no denominator: a plain count), its age basis, period type, the breakdowns it allows,
whether it is small-cell suppressed, the plan target it answers and an optional short label for the
by-commune table. A ``family`` entry is one declaration for many figures: the source's
``FAMILIES[name](as_of)`` gives one set of values per figure (an antigen and dose, a growth condition
and age group, ...), put into the entry's text (``{antigen}``, and ``{antigen_vi}``/``{antigen_en}``
from the entry's ``labels``). A ``computed`` entry's figure comes whole from its source (referrals:
medians, network coverage). The catalogue of a province may add entries from one more file
(``REPORTING_CATALOGUE_EXTRA``). A section ``reads`` the sources its figures are made of (each report
says how fresh each figure is from them). The JSON, the page and the exports list what
``Catalogue.indicators(as_of)`` lists, and nothing else.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_EXTRA_KEY = "REPORTING_CATALOGUE_EXTRA"  # a file of the province's own entries (config)
SOURCES = ("package", "registry", "health", "education", "protection", "referrals", "programme")
KINDS = ("ratio", "count", "computed")
PERIODS = ("period", "as_of", "school_year")
FIELDS = ("id", "vi", "en", "numerator", "denominator", "kind", "short", "age_basis", "period",
          "breakdowns", "suppressed", "target", "family", "labels", "source", "hide_zero")
Family = Callable[[date], list[dict[str, Any]]]


@dataclass(frozen=True)
class Indicator:
    """One figure of the report, as the catalogue declares it (a family's member filled in)."""

    id: str
    source: str
    vi: str
    en: str
    kind: str = "ratio"
    numerator: str | None = None
    denominator: str | None = None
    short: str | None = None
    age_basis: str = ""
    period: str = "period"
    breakdowns: tuple[str, ...] = ()
    suppressed: bool = False
    target: str | None = None
    hide_zero: bool = False  # a breakdown's row: the page leaves it out when its count is 0

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "vi": self.vi, "en": self.en, "kind": self.kind,
                "numerator": self.numerator, "denominator": self.denominator,
                "age_basis": self.age_basis, "period": self.period,
                "breakdowns": list(self.breakdowns), "suppressed": self.suppressed, "target": self.target}


@dataclass(frozen=True)
class Section:
    source: str
    vi: str
    en: str
    entries: tuple[dict[str, Any], ...]
    families: Mapping[str, Family] = field(default_factory=dict)
    reads: tuple[str, ...] = ()  # the sources whose events its figures are made of (freshness)
    sheet: str | None = None  # the workbook's sheet for the section (``workbook``), when named


class CatalogueError(ValueError):
    """A catalogue file that cannot be read as one: named by file and entry."""


def _filled(text: Any, values: dict[str, Any]) -> Any:
    return text.format(**values) if isinstance(text, str) else text


def _with_labels(entry: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The family member's values, with ``<name>_vi`` and ``<name>_en`` from the entry's labels."""
    found = dict(values)
    for name, table in (entry.get("labels") or {}).items():
        names = {str(key): value for key, value in table.items()}
        vi, en = names.get(str(values.get(name)), (values.get(name), values.get(name)))
        found[f"{name}_vi"], found[f"{name}_en"] = vi, en
    return found


def _indicator(source: str, entry: dict[str, Any], values: dict[str, Any]) -> Indicator:
    given = {key: _filled(entry[key], values) for key in
             ("id", "vi", "en", "numerator", "denominator", "age_basis") if entry.get(key)}
    short = entry.get("short")
    given["short"] = short.get(given["id"]) if isinstance(short, dict) else short
    kind = entry.get("kind") or ("ratio" if entry.get("denominator") else "count")
    suppressed = values.get("suppressed", entry.get("suppressed", False))
    breakdowns = values.get("breakdowns", entry.get("breakdowns") or ())
    return Indicator(source=entry.get("source", source), kind=kind, period=entry.get("period", "period"),
                     breakdowns=tuple(breakdowns), suppressed=bool(suppressed),
                     target=entry.get("target"), hide_zero=bool(entry.get("hide_zero")), **given)


@dataclass(frozen=True)
class Catalogue:
    sections: tuple[Section, ...]

    def section_of(self, source: str) -> Section | None:
        return next((s for s in self.sections if s.source == source), None)

    def reads(self, indicator: Indicator) -> tuple[str, ...]:
        """The sources whose data a figure is made of: how fresh it is."""
        section = self.section_of(indicator.source)
        return section.reads if section and section.reads else (indicator.source,)

    def indicators(self, as_of: date) -> list[Indicator]:
        """Every figure of a report on ``as_of``, families filled in, in the report's order."""
        found: list[Indicator] = []
        for section in self.sections:
            for entry in section.entries:
                if "family" not in entry:
                    found.append(_indicator(section.source, entry, {}))
                    continue
                for values in section.families[entry["family"]](as_of):
                    found.append(_indicator(section.source, entry, _with_labels(entry, values)))
        return found

    def by_id(self, as_of: date) -> dict[str, Indicator]:
        return {indicator.id: indicator for indicator in self.indicators(as_of)}

    def extended(self, path: Path) -> "Catalogue":
        """This catalogue with the entries of one more file (a province's own indicators)."""
        raw = _read(path)
        source = raw.get("source") or "extra"
        entries = tuple(_checked(path, raw.get("indicators") or []))
        sections = list(self.sections)
        for index, section in enumerate(sections):
            if section.source == source:
                sections[index] = replace(section, entries=section.entries + entries)
                return Catalogue(tuple(sections))
        heading = raw.get("section") or {"vi": source, "en": source}
        reads = tuple(raw.get("reads") or ("registry",))
        return Catalogue((*sections, Section(source, heading["vi"], heading["en"], entries, {}, reads,
                                             heading.get("sheet"))))


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"{path}: {error}") from error
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path}: not a mapping with 'section' and 'indicators'")
    return raw


def _checked(path: Path, entries: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for number, entry in enumerate(entries, 1):
        unknown = set(entry) - set(FIELDS)
        missing = {"id", "vi", "en"} - set(entry)
        if unknown or missing or entry.get("kind", "ratio") not in KINDS or \
                entry.get("period", "period") not in PERIODS:
            raise CatalogueError(f"{path}, entry {number} ({entry.get('id')}): unknown fields "
                                 f"{sorted(unknown)}, missing {sorted(missing)}, kind one of {KINDS}, "
                                 f"period one of {PERIODS}")
        yield entry


def source_folder(source: str) -> Path:
    return Path(__file__).parent / "sources" / source


def _families(source: str) -> Mapping[str, Family]:
    try:
        module = import_module(f"services.reporting.sources.{source}.indicators")
    except ModuleNotFoundError:
        return {}
    return getattr(module, "FAMILIES", {})


def _section(source: str) -> Section | None:
    path = source_folder(source) / "catalogue.yaml"
    if not path.exists():
        return None
    raw = _read(path)
    heading = raw["section"]
    return Section(source, heading["vi"], heading["en"], tuple(_checked(path, raw["indicators"])),
                   _families(source), tuple(raw.get("reads") or (source,)), heading.get("sheet"))


@cache
def catalogue(extra: str | None = None) -> Catalogue:
    """The sources' catalogues in the report's order, with ``extra``'s entries when given."""
    loaded = Catalogue(tuple(s for s in map(_section, SOURCES) if s is not None))
    return loaded.extended(Path(extra)) if extra else loaded
