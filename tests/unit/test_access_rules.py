"""Roles, rights and areas as data: what each role may do, and which areas an officer's area holds on
both maps; and that every RPC of every service asks for a token before it does anything."""

import inspect
from datetime import date

import pytest
from nameko.rpc import Rpc
from nameko.testing.services import worker_factory

from services.education.service import EducationService
from services.health.service import HealthService
from services.protection.service import ProtectionService
from services.registry.service import RegistryService
from services.reporting.service import ReportingService
from shared.exceptions import Forbidden, Unauthenticated
from shared.kit.access import require_written_area
from shared.kit.identity import CallerContext, Identity
from shared.plumbing.tokens import Issuers
from shared.rules import access
from shared.rules.admin_units import CURRENT, LEGACY, admin_units

SERVICES = (RegistryService, HealthService, EducationService, ProtectionService, ReportingService)
AFTER_REFORM, BEFORE_REFORM = date(2026, 1, 1), date(2025, 6, 30)
OLD_DISTRICT = "105"  # Thành phố Lai Châu, the legacy district of ward 03388


def officer(*areas: str, issued_on: date = AFTER_REFORM) -> Identity:
    return Identity("u", "portal", ("commune_officer",), areas, "monitoring", "ecd-dev", issued_on)


def test_each_role_holds_exactly_the_rights_of_its_row():
    assert access.rights_of(["health_worker"]) == {"write:health", "read:child", "read:due_list",
                                                   "read:referrals:health"}
    assert access.rights_of(["teacher", "auditor"]) == {"write:education", "read:enrolments",
                                                        "read:referrals:education", "read:audit_log"}
    assert access.rights_of(["no_such_role"]) == frozenset()
    assert access.roles_with("read:cases") == ("protection_officer",)


def test_a_2025_ward_officer_holds_the_ward_and_the_legacy_communes_merged_into_it():
    merged = sorted(code for code, ward in admin_units().legacy_to_current.items() if ward == "03388")
    assert merged == ["03386", "03388", "03389", "03391", "03403"]
    assert [officer("03388").covers(code, BEFORE_REFORM) for code in merged] == [True] * 5
    assert officer("03388").covers("03388", AFTER_REFORM) is True


def test_a_2025_ward_officer_is_not_an_officer_of_its_old_district_nor_of_another_ward():
    assert officer("03388").covers(OLD_DISTRICT, LEGACY) is False
    assert officer("03388").covers("03391", CURRENT) is False
    assert officer("03388").covers("12", CURRENT) is False


def test_a_province_officer_holds_its_old_districts_and_communes_and_not_another_province():
    assert officer("12").covers(OLD_DISTRICT, LEGACY) is True
    assert officer("12").covers("03388", BEFORE_REFORM) is True
    assert officer("12").covers("12", CURRENT) is True
    assert officer("12").covers("01", CURRENT) is False


def test_a_legacy_district_officer_holds_its_old_communes_but_no_ward_merged_with_another_district():
    district = officer(OLD_DISTRICT, issued_on=BEFORE_REFORM)
    assert district.covers("03388", BEFORE_REFORM) is True
    assert district.covers("03388", AFTER_REFORM) is False  # ward 03388 took in 03403 too


def test_no_area_or_an_unknown_code_is_held_by_nobody():
    assert officer("12").covers(None, AFTER_REFORM) is False
    assert officer("12").covers("99999", AFTER_REFORM) is False
    assert officer().covers("12", CURRENT) is False


def rpc_methods(service_cls) -> list[str]:
    return sorted(name for name, member in inspect.getmembers(service_cls)
                  if any(isinstance(e, Rpc) for e in getattr(member, "nameko_entrypoints", ())))


@pytest.mark.parametrize("service_cls", SERVICES, ids=lambda cls: cls.name)
def test_every_rpc_of_every_service_refuses_a_call_without_a_token_before_it_runs(service_cls):
    methods = rpc_methods(service_cls)
    assert len(methods) >= 4
    for method in methods:
        worker = worker_factory(service_cls, caller=CallerContext(Issuers({}, {}, None), None))
        arguments = [None] * (len(inspect.signature(getattr(service_cls, method)).parameters) - 1)
        with pytest.raises(Unauthenticated, match="no token"):
            getattr(worker, method)(*arguments)
        touched = [c for c in worker.db.mock_calls
                   if c[0] != "commit" and not (c[0] == "add" and type(c[1][0]).__name__ == "AuditEntry")]
        assert touched == [], method  # refused before anything but its audit entry touched the database


def test_a_write_is_placed_in_the_writers_areas_or_for_a_move_where_the_child_leaves():
    registrar = officer("03388")
    require_written_area(registrar, "03388")
    require_written_area(registrar, "00004", also=("03388",))  # a move out, recorded where it leaves
    require_written_area(registrar, None)  # a record with no place
    for code, also in (("00004", ()), ("00007", ("00004",))):  # Hà Nội: none of it is in Lai Châu
        with pytest.raises(Forbidden, match=f"placed in commune {code}, outside the token's areas"):
            require_written_area(registrar, code, also=also)
