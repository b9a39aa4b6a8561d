"""The province report's kept counts on PostgreSQL (``count_cache``): after each part of a generated
province's stream, one by one and in a batch, the report with kept counts equals the one counted afresh,
both maps, and only the communes whose data changed are recounted."""

from sqlalchemy.orm import Session

from services.reporting.orm import ReportingBase
from shared.plumbing.db import make_engine
from tests.support.kept_counts import check_kept_counts, spy_recounts


def test_kept_counts_on_postgresql_equal_fresh_counts_and_only_changed_communes_are_recounted(
        infra, monkeypatch):
    engine = make_engine(infra.db_url("reporting"))
    ReportingBase.metadata.drop_all(engine)
    ReportingBase.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            check_kept_counts(session, spy_recounts(monkeypatch))
    finally:
        engine.dispose()
