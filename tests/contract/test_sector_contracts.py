"""The sector contract, run once per sector: registry, health, education, protection and a sample sector."""

import pytest

from services.education.repository import EducationStore
from services.education.service import EducationService
from services.health.repository import HealthStore
from services.health.service import HealthService
from services.protection.repository import ProtectionStore
from services.protection.service import ProtectionService
from services.registry.repository import RegistryRepository
from services.registry.service import RegistryService
from shared.contracts import CONTRACTS
from tests.contract.sector_contract import SectorContract
from tests.support import sample_sector
from tests.support.factories import make_birth, make_case, make_enrolment, make_vaccination


class TestRegistryContract(SectorContract):
    SERVICE = RegistryService
    STORE = RegistryRepository
    WRITE = "register_birth"
    VARIANT = {"full_name": "Lò Văn Khác"}
    DATE_FIELD = "date_of_birth"

    @pytest.fixture
    def make_record(self):
        return make_birth

    @pytest.fixture
    def broken(self):
        return make_birth(commune_code="3388"), "commune_code"


@pytest.fixture
def sample_contract(monkeypatch):
    for event_type, schema in sample_sector.CONTRACT.items():
        monkeypatch.setitem(CONTRACTS, (sample_sector.SOURCE, event_type), schema)


@pytest.mark.usefixtures("sample_contract")
class TestSampleSectorContract(SectorContract):
    SERVICE = sample_sector.SampleService
    STORE = sample_sector.SampleStore
    WRITE = "record_weighing"
    VARIANT = {"weight_kg": 9.9}
    DATE_FIELD = "measured_on"

    @pytest.fixture
    def make_record(self):
        serial = iter(range(1, 1000))

        def make(**overrides):
            n = next(serial)
            return {"record_id": f"weigh-{n}", "child_id": f"012324{n:06d}", "commune_code": "03388",
                    "weight_kg": 8.4, "measured_on": "2025-01-15", **overrides}

        return make

    @pytest.fixture
    def broken(self, make_record):
        return make_record(weight_kg=float("nan")), "weight_kg"


class TestHealthContract(SectorContract):
    SERVICE = HealthService
    STORE = HealthStore
    WRITE = "record_vaccination"
    VARIANT = {"facility_code": "TYT-OTHER"}
    DATE_FIELD = "given_on"

    @pytest.fixture
    def make_record(self):
        return make_vaccination

    @pytest.fixture
    def broken(self):
        return make_vaccination(antigen="smallpox"), "antigen"


class TestEducationContract(SectorContract):
    SERVICE = EducationService
    STORE = EducationStore
    WRITE = "record_enrolment"
    VARIANT = {"school_code": "MG-OTHER"}
    DATE_FIELD = "start_date"

    @pytest.fixture
    def make_record(self):
        return make_enrolment  # a child education has not heard of: kept, its age unchecked

    @pytest.fixture
    def broken(self):
        return make_enrolment(level="university"), "level"


class TestProtectionContract(SectorContract):
    SERVICE = ProtectionService
    STORE = ProtectionStore
    WRITE = "open_case"
    VARIANT = {"risk": "high"}
    DATE_FIELD = "opened_on"

    @pytest.fixture
    def make_record(self):
        return make_case

    @pytest.fixture
    def broken(self):
        return make_case(level="urgent"), "level"
