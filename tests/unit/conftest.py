"""Fixtures the unit tests share: reporting's tables in an in-memory SQLite database; the registry's
on a file (the outbox tests: two sessions, as a relay and a writer have)."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.registry.orm import RegistryBase
from services.reporting.orm import ReportingBase
from shared.plumbing.db import make_engine


@pytest.fixture
def session():
    """A session on a fresh in-memory database holding reporting's tables (a test file that needs
    other tables defines its own ``session``)."""
    engine = create_engine("sqlite://")
    ReportingBase.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


@pytest.fixture
def registry_engine(tmp_path):
    """The registry's tables on a fresh SQLite file, made as the service makes its engine."""
    engine = make_engine(f"sqlite:///{tmp_path}/registry.db")
    RegistryBase.metadata.create_all(engine)
    yield engine
    engine.dispose()
