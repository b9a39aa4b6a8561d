"""Fixtures the unit tests share: reporting's tables in an in-memory SQLite database."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.reporting.orm import ReportingBase


@pytest.fixture
def session():
    """A session on a fresh in-memory database holding reporting's tables (a test file that needs
    other tables defines its own ``session``)."""
    engine = create_engine("sqlite://")
    ReportingBase.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
