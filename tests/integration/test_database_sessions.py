"""How the services' PostgreSQL sessions are set: without JIT compilation, which spent 50-60 s compiling
the province report's one wide count statement that then ran in 2 s (shared/plumbing/db.py)."""

from sqlalchemy import text

from shared.plumbing.db import make_engine


def test_a_service_session_on_postgresql_runs_without_jit(clean_infra):
    engine = make_engine(clean_infra.db_url("reporting"))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()
