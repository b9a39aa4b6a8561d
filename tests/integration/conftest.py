"""Service containers in the test process, on the real RabbitMQ and PostgreSQL.

RPC entrypoints are driven with nameko's ``entrypoint_hook`` and event handlers awaited with
``entrypoint_waiter``: no sleeps, no RPC over the broker (that is what tests/e2e does).
"""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.education.service import EducationService
from services.health.service import HealthService
from services.protection.service import ProtectionService
from services.registry.service import RegistryService
from services.reporting.orm import ReportingBase
from services.reporting.service import ReportingService
from tests.support.hostile import Sessions


def started(container_factory, service_config, service_cls, **extra):
    container = container_factory(service_cls, service_config(service_cls.name, **extra))
    container.start()
    return container


@pytest.fixture
def registry_container(container_factory, service_config):
    return started(container_factory, service_config, RegistryService)


@pytest.fixture
def reporting_container(container_factory, service_config):
    return started(container_factory, service_config, ReportingService, EVENT_RETRY_LIMIT=2)


@pytest.fixture
def health_container(container_factory, service_config):
    return started(container_factory, service_config, HealthService, EVENT_RETRY_LIMIT=2)


@pytest.fixture
def education_container(container_factory, service_config):
    return started(container_factory, service_config, EducationService, EVENT_RETRY_LIMIT=2)


@pytest.fixture
def protection_container(container_factory, service_config, tmp_path):
    return started(container_factory, service_config, ProtectionService,
                   NOTES_KEY_FILE=str(tmp_path / "protection-notes.key"))


def open_session(url: str):
    engine = create_engine(url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def registry_db(clean_infra):
    yield from open_session(clean_infra.db_url("registry"))


@pytest.fixture
def reporting_db(clean_infra):
    yield from open_session(clean_infra.db_url("reporting"))


@pytest.fixture
def health_db(clean_infra):
    yield from open_session(clean_infra.db_url("health"))


@pytest.fixture
def education_db(clean_infra):
    yield from open_session(clean_infra.db_url("education"))


@pytest.fixture
def protection_db(clean_infra):
    yield from open_session(clean_infra.db_url("protection"))


@pytest.fixture
def reporting_sessions(clean_infra):
    """Reporting's database, a fresh session per call (for entrypoints run with ``worker_factory``)."""
    sessions = Sessions(clean_infra.db_url("reporting"), ReportingBase)
    yield sessions
    sessions.engine.dispose()
