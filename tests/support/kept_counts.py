"""A generated province's stream applied in three parts (one event at a time, then one by one, then in a
batch), the province report with kept counts compared with the one counted afresh after each, both
maps, and the communes each report recounted (``count_cache``); run on SQLite and PostgreSQL."""

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.reporting import count_cache
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import CommuneVersion
from services.reporting.repository import ReportingRepository
from services.reporting.use_cases import apply_event, apply_events
from shared.plumbing.metrics import service_metrics
from shared.rules.admin_units import admin_units
from tests.support.event_streams import province_stream

METRICS = service_metrics("reporting")
DATES = ((date(2026, 6, 30), date(2026, 1, 1)), (date(2025, 3, 31), date(2024, 10, 1)))  # 2025, legacy


def spy_recounts(monkeypatch) -> dict[str, list[str]]:
    """The communes each report recounted, by map."""
    found: dict[str, list[str]] = {}
    kept_counts = count_cache.kept_counts

    def spy(session, map_version, communes, *rest):
        counted, stale = kept_counts(session, map_version, communes, *rest)
        found.setdefault(map_version, []).extend(stale)
        return counted, stale
    monkeypatch.setattr(count_cache, "kept_counts", spy)
    return found


def report(session: Session, as_of: date, start: date, keep: bool, code: str = "12") -> dict:
    units = admin_units()
    repo = ReportingRepository(session, keep_counts=keep)
    found = compute_indicators(repo, resolve_area(code, as_of, units), as_of, start, as_of, units,
                               by_commune=True)
    found.pop("freshness")
    session.commit()
    return json.loads(json.dumps(found, sort_keys=True, default=str))


def versions(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(select(CommuneVersion.map_version, CommuneVersion.commune_code,
                                  CommuneVersion.version))
    return {(m, c): v for m, c, v in rows}


def places(recounted: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(m, c) for m, communes in recounted.items() for c in communes}


def assert_kept_reports_equal_fresh_ones(session: Session) -> None:
    for as_of, start in DATES:
        assert report(session, as_of, start, keep=True) == report(session, as_of, start, keep=False)


def check_kept_counts(session: Session, recounted: dict[str, list[str]]) -> None:
    """Kept-count reports equal fresh ones after each part of a stream; only changed communes recounted."""
    stream = province_stream(120)
    first, second, third = stream[:len(stream) // 2], stream[len(stream) // 2:-60], stream[-60:]
    for body in first:
        apply_event(session, body, METRICS)
    assert_kept_reports_equal_fresh_ones(session)
    everything = {m: sorted(set(c)) for m, c in recounted.items()}
    assert set(everything) == {"2025", "legacy"}
    for later, apply in ((second, "one by one"), (third, "in a batch")):
        before = versions(session)
        recounted.clear()
        assert_kept_reports_equal_fresh_ones(session)  # nothing changed: nothing recounted
        assert places(recounted) == set()
        if apply == "one by one":
            for body in later:
                apply_event(session, body, METRICS)
        else:
            apply_events(session, later, METRICS)
        changed = {(m, c) for (m, c), v in versions(session).items() if before.get((m, c)) != v}
        assert_kept_reports_equal_fresh_ones(session)
        found = places(recounted)
        assert found == {(m, c) for m, c in changed if c in everything[m]}
        assert 0 < len(found) < sum(len(c) for c in everything.values())
