"""The province report on SQLite equals, to the unit, the figures the exact queries gave on the same
generated province before the report was made fast (``tests/support/province_golden``): both maps,
two dates, by district, commune and every breakdown, and one commune's report on each date."""

import pytest

from tests.support.province_golden import REPORTS, build_province, golden, reports


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    session = build_province(f"sqlite:///{tmp_path_factory.mktemp('golden')}/reporting.db")
    yield reports(session)
    session.close()


@pytest.mark.parametrize("key", [f"{code}@{as_of}" for code, as_of, _, _ in REPORTS])
def test_the_report_gives_the_exact_figures_kept_before_it_was_made_fast(found, key):
    assert found[key] == golden()[key]
