from datetime import date

import pytest

from services.registry import domain
from shared.rules.admin_units import admin_units
from tests.support.factories import personal_id

PREFIXES = domain.legacy_id_prefixes(admin_units())
TODAY = date(2026, 11, 23)


def birth_command(**overrides):
    command = {"record_id": "r1", "child_id": "012324000001", "full_name": "A", "sex": "female",
               "date_of_birth": date(2024, 3, 1), "registration_date": date(2024, 3, 21),
               "commune_code": "03388", "household_poverty": "none"}
    command.update(overrides)
    return command


class TestPersonalId:
    def test_accepts_a_girl_born_2024_registered_in_lai_chau(self):
        assert domain.check_personal_id("012324000001", "female", date(2024, 3, 1), PREFIXES) == {}

    def test_accepts_a_prefix_of_a_province_abolished_in_2025(self):
        assert domain.check_personal_id("062224000001", "male", date(2024, 3, 1), PREFIXES) == {}

    @pytest.mark.parametrize("child_id, message", [
        ("01232400000", "Must be exactly 12 digits."),
        ("01232400000a", "Must be exactly 12 digits."),
        ("０１２３２４０００００１", "Must be exactly 12 digits."),
        ("003324000001", "Province prefix 003 is not a province code."),
        ("012124000001", "Digit 4 (1) does not match the century of 2024."),
        ("012224000001", "Digit 4 (2) does not match sex 'female'."),
        ("012323000001", "Digits 5-6 (23) do not match birth year 2024."),
    ])
    def test_rejects_a_number_that_breaks_a_rule(self, child_id, message):
        errors = domain.check_personal_id(child_id, "female", date(2024, 3, 1), PREFIXES)
        assert errors == {"child_id": [message]}

    def test_factory_numbers_pass_the_rules(self):
        born = date(2019, 12, 31)
        assert domain.check_personal_id(personal_id("male", born), "male", born, PREFIXES) == {}


class TestBirth:
    def test_a_valid_birth_has_no_errors(self):
        assert domain.check_birth(birth_command(), TODAY, admin_units()) == {}

    def test_names_every_field_that_breaks_a_rule(self):
        command = birth_command(child_id="012330000001", date_of_birth=date(2030, 1, 1),
                                registration_date=date(2024, 1, 1), commune_code="99999")
        assert domain.check_birth(command, TODAY, admin_units()) == {
            "date_of_birth": ["Must not be in the future (today is 2026-11-23)."],
            "registration_date": ["Must not be before date_of_birth (2030-01-01)."],
            "commune_code": ["Unknown commune '99999' on the legacy map in force on 2024-01-01."],
        }

    def test_reads_the_commune_on_the_map_in_force_on_the_registration_date(self):
        # 11948 exists only on the 2025 map (Đặc khu Bạch Long Vĩ, Hải Phòng)
        late = birth_command(registration_date=date(2025, 7, 1), commune_code="11948")
        early = birth_command(registration_date=date(2025, 6, 30), commune_code="11948")
        assert domain.check_birth(late, TODAY, admin_units()) == {}
        assert list(domain.check_birth(early, TODAY, admin_units())) == ["commune_code"]

    @pytest.mark.parametrize("days, on_time", [(0, True), (60, True), (61, False)])
    def test_on_time_means_registered_within_60_days(self, days, on_time):
        born = date(2024, 1, 1)
        command = birth_command(date_of_birth=born, registration_date=date.fromordinal(
            born.toordinal() + days))
        payload = domain.birth_payload(command, admin_units())
        assert (payload["on_time"], payload["days_to_registration"]) == (on_time, days)
        assert payload["map_version"] == "legacy"

    def test_the_mother_is_in_the_payload_only_when_given(self):
        given = birth_command(mother_name="Lò Thị Mai", mother_id="012190000123")
        payload = domain.birth_payload(given, admin_units())
        assert (payload["mother_name"], payload["mother_id"]) == ("Lò Thị Mai", "012190000123")
        assert "mother_name" not in domain.birth_payload(birth_command(), admin_units())
