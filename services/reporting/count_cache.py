"""Counts kept per commune, recounted only where the data changed. Every projection write marks the
child it touches (``touch``); when the transaction commits, the communes the touched children lived in
before the write and after it, and those where their protection cases and referrals were placed, on both
maps, get their data version bumped (``bump_touched``, one listener on every session: one piece for every
write path); a programme entry's write marks its communes (``mark``). A province's or district's children
and rows placed in no commune of it are kept under a place of their own (``outside``). A report reads the
versions first, takes the kept counts of the communes whose version is unchanged, recounts the others in
one statement and keeps them with the version it read: a concurrent bump can only cause a later recount,
never a stale count. Kept counts older than ``KEPT_DAYS`` days (by when they were counted) are dropped
when counts are kept.
"""

import hashlib
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.reporting.orm import CommuneVersion, KeptCount, ProtectionCase, Referral, ResidencePeriod
from shared import contracts, rules
from shared.rules.admin_units import LEGACY, AdminUnits, admin_units
from shared.rules.clock import utc_now

KEPT_DAYS = 30
CURRENT = "2025"
Place = tuple[str, str]  # (map version, commune code)
TOUCHED, BEFORE = "count_cache_touched", "count_cache_before"


def outside(area_code: str) -> str:
    """The place of an area's children (or placed rows) in none of its communes: ``-`` and its code."""
    return f"-{area_code}"


def _placed_rows(model: type, ids: list[str]) -> Any:
    return select(model.legacy_province, model.legacy_district, model.legacy_commune,
                  model.current_province, model.current_commune).where(model.child_id.in_(ids))


def places_placed(placed: dict[str, Any]) -> set[Place]:
    """The places of a row placed on both maps (``registry.projection.placement``'s columns)."""
    columns = ("legacy_province", "legacy_district", "legacy_commune", "current_province", "current_commune")
    return _places_of_row(tuple(placed.get(column) for column in columns), admin_units())


def _places_of_row(row: Any, units: AdminUnits) -> set[Place]:
    """A row's communes on both maps, and the ``outside`` place of its province (and legacy district)
    when its commune is not one of theirs."""
    legacy_province, legacy_district, legacy_commune, current_province, current_commune = row
    found: set[Place] = set()
    for map_version, areas, commune in ((LEGACY, (legacy_province, legacy_district), legacy_commune),
                                        (CURRENT, (current_province,), current_commune)):
        if commune:
            found.add((map_version, commune))
        unit = units.commune_on_map(commune, map_version) if commune else None
        for area in filter(None, areas):
            if unit is None or area not in (unit.province_code, unit.district_code):
                found.add((map_version, outside(area)))
    return found


def places_of(session: Session, child_ids: Iterable[str]) -> set[Place]:
    """The places, on both maps, of every residence, protection case and referral row of ``child_ids``
    (one statement)."""
    ids = sorted(set(child_ids))
    if not ids:
        return set()
    query = union_all(*(_placed_rows(model, ids) for model in (ResidencePeriod, ProtectionCase, Referral)))
    units = admin_units()
    return {place for row in session.execute(query) for place in _places_of_row(row, units)}


def mark(session: Session, places: Iterable[Place]) -> None:
    """Places whose data this transaction changes besides children's rows (programme entries)."""
    session.info.setdefault(BEFORE, set()).update(places)


def touch(session: Session, child_ids: Iterable[str], read_before: bool = True) -> None:
    """Mark children about to be written; ``read_before``: read their places now (before the write),
    else the caller reads them with ``read_before_of`` before it writes."""
    touched: set[str] = session.info.setdefault(TOUCHED, set())
    new = set(child_ids) - touched
    if new and read_before:
        session.info.setdefault(BEFORE, set()).update(places_of(session, new))
    touched.update(new)


def read_before_of(session: Session, child_ids: Iterable[str]) -> None:
    session.info.setdefault(BEFORE, set()).update(places_of(session, child_ids))


def _dialect(session: Session) -> Any:
    return {"postgresql": postgresql, "sqlite": sqlite}[session.get_bind().dialect.name]


def bump(session: Session, places: set[Place]) -> None:
    """Add one to each commune's data version (1 when it had none), in one statement (it returns the
    keys: only then does SQLAlchemy send an ``ON CONFLICT`` insert of many rows as one statement, not
    one round trip a row on PostgreSQL)."""
    if not places:
        return
    table = CommuneVersion.__table__
    statement = _dialect(session).insert(table).on_conflict_do_update(
        index_elements=["map_version", "commune_code"], set_={"version": table.c.version + 1}
    ).returning(table.c.commune_code)
    session.execute(statement, [{"map_version": m, "commune_code": c, "version": 1}
                                for m, c in sorted(places)])


@event.listens_for(Session, "before_commit")
def bump_touched(session: Session) -> None:
    """At commit: bump the communes the touched children left and those they are in now."""
    touched = session.info.pop(TOUCHED, set())
    before = session.info.pop(BEFORE, set())
    if touched or before:
        bump(session, before | places_of(session, touched))


@event.listens_for(Session, "after_rollback")
def forget_touched(session: Session) -> None:
    session.info.pop(TOUCHED, None)
    session.info.pop(BEFORE, None)


def _code_and_rules() -> str:
    """A fingerprint of what turns data into counts: reporting's code and catalogue, the contracts
    (e.g. the breakdowns' groups), the rules and their data, and the administrative units' dataset. A
    new version (or a province's changed rule file) never reads counts kept by the last."""
    digest = hashlib.sha1()
    for folder in (Path(__file__).parent, Path(contracts.__file__).parent, Path(rules.__file__).parent):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".yaml", ".yml") and path.is_file():
                digest.update(path.read_bytes())
    digest.update(version("vietnamadminunits").encode())  # the administrative units' dataset
    return digest.hexdigest()[:12]


CODE_AND_RULES = _code_and_rules()


def statement_key(as_of: date, start: date, end: date, names: Iterable[str], kind: str) -> str:
    """What a kept count was counted by: its dates and its conditions' names (the conditions are made
    from the dates and the rules only), under this version's code and rules."""
    text = f"{CODE_AND_RULES}|{kind}|{as_of}|{start}|{end}|{','.join(names)}"
    return hashlib.sha1(text.encode()).hexdigest()


def versions(session: Session, map_version: str, communes: list[str]) -> dict[str, int]:
    rows = session.execute(select(CommuneVersion.commune_code, CommuneVersion.version).where(
        CommuneVersion.map_version == map_version, CommuneVersion.commune_code.in_(communes)))
    return dict(rows.tuples().all())


def kept_counts(session: Session, map_version: str, communes: list[str], as_of: date, key: str,
                count: Callable[[list[str]], dict[Any, dict[str, int]]]) -> tuple[dict, list[str]]:
    """Each of ``communes``' counts: kept when counted at its current version, else counted by
    ``count`` (given the communes to count, one statement) and kept. Also the communes recounted."""
    now = versions(session, map_version, communes)
    kept = {row.commune_code: row for row in session.scalars(select(KeptCount).where(
        KeptCount.map_version == map_version, KeptCount.statement == key,
        KeptCount.commune_code.in_(communes)))}
    result = {code: dict(row.counts) for code, row in kept.items() if row.version == now.get(code, 0)}
    stale = [code for code in communes if code not in result]
    if stale:
        counted = count(stale)
        fresh = {code: dict(counted.get(code, {})) for code in stale}
        result.update(fresh)
        keep(session, map_version, key, as_of, {code: (now.get(code, 0), fresh[code]) for code in stale})
    return result, stale


def keep(session: Session, map_version: str, key: str, as_of: date,
         counted: dict[str, tuple[int, dict[str, int]]]) -> None:
    """Replace the communes' kept counts (an upsert: two reports may keep the same commune at once);
    drop every kept count older than ``KEPT_DAYS``."""
    table = KeptCount.__table__
    session.execute(delete(table).where(table.c.created_at < utc_now() - timedelta(days=KEPT_DAYS)))
    statement = _dialect(session).insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["map_version", "commune_code", "statement"],
        set_={name: statement.excluded[name] for name in ("as_of", "version", "counts", "created_at")})
    session.execute(statement, [
        {"map_version": map_version, "commune_code": code, "statement": key, "as_of": as_of,
         "version": version, "counts": counts, "created_at": utc_now()}
        for code, (version, counts) in sorted(counted.items())])


def forget_all(session: Session) -> None:
    """Every commune's data changed (the rebuild's tables swapped in): every kept count goes, and every
    version is bumped, so a count a report is keeping meanwhile is not taken later."""
    session.execute(delete(KeptCount.__table__))
    table = CommuneVersion.__table__
    session.execute(table.update().values(version=table.c.version + 1))
