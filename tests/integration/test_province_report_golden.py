"""The province report on PostgreSQL equals, to the unit, the figures the exact queries gave on the
same generated province before the report was made fast (``tests/support/province_golden``)."""

import pytest

from tests.support.province_golden import REPORTS, build_province, golden, reports


@pytest.fixture(scope="module")
def found(infra):
    session = build_province(infra.db_url("reporting"))
    yield reports(session)
    session.close()
    session.get_bind().dispose()


@pytest.mark.parametrize("key", [f"{code}@{as_of}" for code, as_of, _, _ in REPORTS])
def test_the_report_on_postgresql_gives_the_exact_figures_kept_before_it_was_made_fast(found, key):
    assert found[key] == golden()[key]
