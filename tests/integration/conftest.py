"""Service containers in the test process, on the real RabbitMQ and PostgreSQL.

RPC entrypoints are driven with nameko's ``entrypoint_hook`` and event handlers awaited with
``entrypoint_waiter``: no sleeps, no RPC over the broker (that is what tests/e2e does).
"""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.registry.service import RegistryService
from services.reporting.service import ReportingService


@pytest.fixture
def registry_container(container_factory, service_config):
    container = container_factory(RegistryService, service_config("registry"))
    container.start()
    return container


@pytest.fixture
def reporting_container(container_factory, service_config):
    container = container_factory(ReportingService, service_config("reporting", EVENT_RETRY_LIMIT=2))
    container.start()
    return container


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
def health_container(container_factory, service_config):
    from services.health.service import HealthService

    container = container_factory(HealthService, service_config("health", EVENT_RETRY_LIMIT=2))
    container.start()
    return container


@pytest.fixture
def health_db(clean_infra):
    yield from open_session(clean_infra.db_url("health"))


@pytest.fixture
def education_container(container_factory, service_config):
    from services.education.service import EducationService

    container = container_factory(EducationService, service_config("education", EVENT_RETRY_LIMIT=2))
    container.start()
    return container


@pytest.fixture
def education_db(clean_infra):
    yield from open_session(clean_infra.db_url("education"))
