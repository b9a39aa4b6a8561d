"""The province report keeps each commune's counts and recounts only the communes whose data changed
(``count_cache``): on a generated province's stream, applied one event at a time and in batches, every
report with kept counts equals the report counted afresh, on both maps, and after new events only the
communes of the children they touched are recounted."""

import json
from datetime import date

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from services.reporting import count_cache
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import CommuneVersion, ReportingBase
from services.reporting.repository import ReportingRepository
from services.reporting.use_cases import apply_event, apply_events
from shared.plumbing.metrics import service_metrics
from shared.rules.admin_units import admin_units
from tests.support.event_streams import province_stream

METRICS = service_metrics("reporting")
DATES = ((date(2026, 6, 30), date(2026, 1, 1)), (date(2025, 3, 31), date(2024, 10, 1)))  # 2025, legacy


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    ReportingBase.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


@pytest.fixture
def recounted(monkeypatch):
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


def test_kept_counts_equal_fresh_counts_and_only_changed_communes_are_recounted(session, recounted):
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
