"""Education's pure rules: school years, ages by birth year, one place at a time, ends, the fold."""

from dataclasses import replace
from datetime import date

import pytest

from services.education import domain
from shared.contracts.education import Enrolment, fold_enrolments
from shared.contracts.facts import Fact
from shared.rules import schooling

EXCEPTION_CODES = ", ".join(schooling.exceptions())


def enrolment(**overrides) -> Enrolment:
    base = Enrolment("e1", "MG-1", 2024, "kindergarten", None, date(2024, 9, 5), "03388", False, None)
    return replace(base, **overrides)


class TestSchoolYears:
    @pytest.mark.parametrize(("text", "start"), [
        ("2024-2025", 2024), ("2024-2026", None), ("2025-2024", None), ("24-25", None), ("2024-2025 ", None),
        (2024, None), ("0001-0002", None)])
    def test_a_school_year_is_two_consecutive_years(self, text, start):
        assert schooling.parse_school_year(text) == start

    def test_a_school_year_runs_from_1_august_to_31_july(self):
        assert (schooling.school_year_of(date(2024, 7, 31)), schooling.school_year_of(date(2024, 8, 1)),
                schooling.last_day(2024)) == (2023, 2024, date(2025, 7, 31))

    def test_a_start_date_outside_its_school_year_is_named(self):
        assert domain.check_school_year(date(2024, 7, 31), 2024) == {
            "start_date": ["Not in school year 2024-2025 (2024-08-01 to 2025-07-31)."]}
        assert domain.check_school_year(date(2025, 7, 31), 2024) == {}


def age_check(level, grade, born, year=2024, exception=None, start=date(2024, 9, 5)):
    return domain.check_age(level, grade, born, start, year, exception)


class TestAges:
    def test_creche_takes_3_to_36_months_on_the_start_date(self):
        born = date(2022, 9, 5)
        assert domain.check_age("creche", None, born, date(2025, 9, 4), 2025, None) == {}  # 35 months
        assert domain.check_age("creche", None, born, date(2025, 9, 5), 2025, None) == {"level": [
            "Creche takes children of 3 to 36 months; the child is 36 months old on 2025-09-05."]}
        assert domain.check_age("creche", None, date(2024, 7, 1), date(2024, 9, 5), 2024, None) == {"level": [
            "Creche takes children of 3 to 36 months; the child is 2 months old on 2024-09-05."]}

    def test_kindergarten_counts_age_by_birth_year(self):
        december = date(2021, 12, 31)  # 2 years 8 months old on the first day, 3 by year
        assert domain.check_age("kindergarten", None, december, date(2024, 9, 5), 2024, None) == {}
        assert domain.check_age("kindergarten", None, date(2022, 1, 1), date(2024, 9, 5), 2024, None) == {
            "level": ["Kindergarten takes children of 3 to 5 by birth year; a child born in 2022 is 2 in "
                      "2024-2025."]}

    def test_a_six_year_old_kept_in_kindergarten_needs_a_documented_reason(self):
        born = date(2018, 3, 1)
        assert age_check("kindergarten", None, born) == {"age_exception": [
            "A child born in 2018 is 6 by birth year and belongs in primary school. Give the documented "
            f"reason as age_exception (one of: {EXCEPTION_CODES})."]}
        assert age_check("kindergarten", None, born, exception="disability") == {}

    def test_grade_1_starts_the_year_the_child_turns_6_never_earlier(self):
        assert domain.check_age("primary", 1, date(2018, 12, 31), date(2024, 9, 5), 2024, None) == {}
        assert domain.check_age("primary", 1, date(2019, 1, 1), date(2024, 9, 5), 2024, None) == {"grade": [
            "A child born in 2019 enters grade 1 in 2025-2026 at the earliest (grade 1 at 6, counted by "
            "birth year)."]}

    def test_a_late_grade_1_entry_needs_a_reason_and_is_at_most_3_years_late(self):
        assert age_check("primary", 1, date(2017, 5, 1)) == {"age_exception": [
            "A child born in 2017 enters grade 1 on time in 2023-2024; this is 1 year(s) late. Give the "
            f"documented reason as age_exception (one of: {EXCEPTION_CODES})."]}
        assert age_check("primary", 1, date(2015, 5, 1), exception="ethnic_minority") == {}
        assert age_check("primary", 1, date(2014, 5, 1), exception="ethnic_minority") == {"grade": [
            "Grade 1 may start at most 3 years late; a child born in 2014 was due in 2020-2021."]}

    def test_a_later_grade_is_not_before_its_year_but_may_be_later(self):
        assert domain.check_age("primary", 2, date(2018, 5, 1), date(2024, 9, 5), 2024, None) == {"grade": [
            "A child born in 2018 enters grade 2 in 2025-2026 at the earliest (grade 1 at 6, counted by "
            "birth year)."]}
        assert domain.check_age("primary", 2, date(2015, 5, 1), date(2024, 9, 5), 2024, None) == {}

    @pytest.mark.parametrize(("level", "grade", "message"), [
        ("primary", None, "A primary enrolment needs its grade (1-5)."),
        ("primary", 6, "Primary school has grades 1 to 5."),
        ("kindergarten", 1, "Only primary enrolments have a grade, not kindergarten.")])
    def test_only_primary_has_a_grade(self, level, grade, message):
        assert domain.check_grade(level, grade) == {"grade": [message]}


class TestOnePlaceAtATime:
    def test_a_new_enrolment_may_not_start_while_another_is_open(self):
        assert domain.check_one_place(date(2024, 12, 2), [enrolment()]) == {"start_date": [
            "The child is enrolled at MG-1 from 2024-09-05 with no end recorded (enrolment e1); end that "
            "enrolment first (a transfer is an end, then a new enrolment)."]}

    def test_it_may_start_on_the_day_the_other_ended(self):
        assert domain.check_one_place(date(2024, 12, 2), [enrolment(ended_on=date(2024, 12, 2))]) == {}
        assert list(domain.check_one_place(date(2024, 12, 1), [enrolment(ended_on=date(2024, 12, 2))])) == [
            "start_date"]

    def test_an_enrolment_ends_once_after_its_start_within_its_school_year(self):
        already = enrolment(ended_on=date(2024, 10, 1), end_reason="moved")
        assert domain.check_end(already, date(2024, 11, 1)) == {
            "enrolment_id": ["Enrolment e1 already ended on 2024-10-01 (moved)."]}
        assert domain.check_end(enrolment(), date(2024, 9, 4)) == {
            "ended_on": ["Before the enrolment started on 2024-09-05."]}
        assert domain.check_end(enrolment(), date(2025, 8, 1)) == {
            "ended_on": ["After its school year 2024-2025 ended on 2025-07-31."]}


def enrolled(record_id, start="2024-09-05"):
    return Fact("education", record_id, "enrolment_recorded", {
        "record_id": record_id, "school_code": "MG-1", "level": "kindergarten", "grade": None,
        "school_year": "2024-2025", "start_date": date.fromisoformat(start), "commune_code": "03388",
        "inclusive": False, "age_exception": None})


def ended(record_id, enrolment_id, on="2024-12-01"):
    return Fact("education", record_id, "enrolment_ended", {
        "record_id": record_id, "enrolment_id": enrolment_id, "school_code": "MG-1",
        "school_year": "2024-2025", "ended_on": date.fromisoformat(on), "reason": "transferred",
        "commune_code": "03388"})


def voided(record_id, target, event_type):
    return Fact("education", record_id, "record_voided", {
        "record_id": record_id, "voided_record_id": target, "voided_event_type": event_type, "reason": "x"})


class TestFold:
    def test_an_end_that_arrives_before_its_enrolment_still_closes_it(self):
        [folded] = fold_enrolments([ended("x1", "e1"), enrolled("e1")])
        assert (folded.record_id, folded.school_year, folded.ended_on, folded.end_reason) == (
            "e1", 2024, date(2024, 12, 1), "transferred")

    def test_a_voided_end_reopens_and_a_voided_enrolment_disappears(self):
        facts = [enrolled("e1"), ended("x1", "e1"), voided("void-x1", "x1", "enrolment_ended"),
                 enrolled("e2", "2024-10-01"), voided("void-e2", "e2", "enrolment_recorded")]
        assert [(e.record_id, e.ended_on) for e in fold_enrolments(facts)] == [("e1", None)]
