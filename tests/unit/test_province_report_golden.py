"""The province report on SQLite equals, to the unit, the figures the exact queries gave on the same
generated province before the report was made fast (``tests/support/province_golden``): both maps,
two dates, by district, commune and every breakdown, and one commune's report on each. With kept counts
(``count_cache``) the figures are the same cold (nothing kept), warm (nothing recounted) and after one
commune's data changed (only that commune recounted)."""

import pytest

from services.reporting import count_cache
from tests.support.kept_counts import places, spy_recounts
from tests.support.province_golden import REPORTS, build_province, golden, reports


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    session = build_province(f"sqlite:///{tmp_path_factory.mktemp('golden')}/reporting.db")
    yield session
    session.close()


@pytest.fixture(scope="module")
def found(province):
    """The reports cold: no count kept yet (each report keeps its communes' counts)."""
    return reports(province)


@pytest.mark.parametrize("key", [f"{code}@{as_of}" for code, as_of, _, _ in REPORTS])
def test_the_report_gives_the_exact_figures_kept_before_it_was_made_fast(found, key):
    assert found[key] == golden()[key]


def test_warm_reports_recount_nothing_and_give_the_same_exact_figures(province, found, monkeypatch):
    province.commit()  # the counts the cold reports kept
    recounted = spy_recounts(monkeypatch)
    assert reports(province) == golden()
    assert places(recounted) == set()


def test_after_one_communes_data_changed_only_it_is_recounted_and_the_figures_stay_exact(
        province, found, monkeypatch):
    province.commit()
    count_cache.bump(province, {("2025", "03388")})
    province.commit()
    recounted = spy_recounts(monkeypatch)
    assert reports(province) == golden()
    assert places(recounted) == {("2025", "03388")}
