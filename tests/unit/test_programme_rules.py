"""Programme figures as data: periods an officer may name, the values a commune may enter, and how a
report period's figure is made from the entries of the periods that meet it."""

from datetime import date

import pytest

from shared.rules import programme
from shared.rules.programme import Period, combine, parse_period, reported, value_errors

TODAY = date(2026, 12, 6)


def period(code: str) -> Period:
    return parse_period(code, TODAY)


@pytest.mark.parametrize("code, start, end", [
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
    ("2025-H2", date(2025, 7, 1), date(2025, 12, 31)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
])
def test_a_year_a_half_year_and_a_quarter_name_their_first_and_last_day(code, start, end):
    assert (period(code).start, period(code).end) == (start, end)


@pytest.mark.parametrize("code, message", [
    ("2026-H3", "Must be a year (2026), a half-year (2026-H1) or a quarter (2026-Q3)."),
    ("2026-q1", "Must be a year (2026), a half-year (2026-H1) or a quarter (2026-Q3)."),
    ("26", "Must be a year (2026), a half-year (2026-H1) or a quarter (2026-Q3)."),
    ("2026-06", "Must be a year (2026), a half-year (2026-H1) or a quarter (2026-Q3)."),
    (2026, "Must be a year (2026), a half-year (2026-H1) or a quarter (2026-Q3)."),
    ("2017", "Must not be before 2018."),
    ("2027-Q1", "Must have started by today (2026-12-06)."),
])
def test_a_malformed_early_or_future_period_is_refused_saying_why(code, message):
    with pytest.raises(ValueError) as refused:
        period(code)
    assert str(refused.value) == message


def test_good_values_have_no_errors():
    assert value_errors({"staff_trained": 12, "staff_total": 40, "communication_sessions": 0}, {}) == {}


@pytest.mark.parametrize("values, errors", [
    ({"staff_trainde": 3}, {"values.staff_trainde": [
        "Unknown figure; known: staff_trained, staff_total, parents_trained, parents_total, "
        "communication_sessions, referral_network_working."]}),
    ({"staff_total": -1}, {"values.staff_total": ["Must be between 0 and 100000."]}),
    ({"referral_network_working": 2}, {"values.referral_network_working": ["Must be between 0 and 1."]}),
    ({"parents_total": 1.5}, {"values.parents_total": ["Must be a whole number."]}),
    ({"parents_total": "12"}, {"values.parents_total": ["Must be a whole number."]}),
    ({"parents_total": True}, {"values.parents_total": ["Must be a whole number."]}),
    ({"staff_trained": 41, "staff_total": 40}, {
        "values.staff_trained": ["staff_trained (41) must not exceed staff_total (40)."],
        "values.staff_total": ["staff_trained (41) must not exceed staff_total (40)."]}),
])
def test_an_unknown_figure_a_negative_too_large_or_fractional_value_or_more_trained_than_total_is_named(
        values, errors):
    assert value_errors(values, {}) == errors


def test_trained_is_judged_against_the_total_already_stored_and_a_new_total_against_the_trained():
    assert value_errors({"parents_trained": 90}, {"parents_total": 80}) == {
        "values.parents_trained": ["parents_trained (90) must not exceed parents_total (80)."]}
    assert value_errors({"parents_total": 50}, {"parents_trained": 60, "parents_total": 80}) == {
        "values.parents_total": ["parents_trained (60) must not exceed parents_total (50)."]}
    assert value_errors({"parents_total": 100}, {"parents_trained": 90, "parents_total": 80}) == {}


def test_sessions_of_the_quarters_inside_a_half_year_add_up():
    entries = {period("2026-Q1"): 4, period("2026-Q2"): 5}
    assert combine("communication_sessions", entries, date(2026, 1, 1), date(2026, 6, 30)) == 9


def test_the_half_year_entered_for_itself_wins_over_its_quarters_and_the_quarter_after_it_is_added():
    entries = {period("2026-Q1"): 4, period("2026-Q2"): 5, period("2026-H1"): 10, period("2026-Q3"): 2}
    assert combine("communication_sessions", entries, date(2026, 1, 1), date(2026, 12, 31)) == 12


def test_a_stock_takes_the_entry_that_ends_last_not_a_sum():
    entries = {period("2026-Q1"): 30, period("2026-Q2"): 34}
    assert combine("staff_total", entries, date(2026, 1, 1), date(2026, 6, 30)) == 34


def test_a_period_reported_inside_a_longer_entry_reads_that_entry_when_nothing_finer_was_entered():
    entries = {period("2026"): 20}
    assert combine("communication_sessions", entries, date(2026, 1, 1), date(2026, 5, 15)) == 20
    assert combine("communication_sessions", entries, date(2027, 1, 1), date(2027, 3, 31)) is None


def test_a_report_up_to_mid_may_reads_the_first_quarter_and_the_second_that_overlaps_it():
    entries = {period("2026-Q1"): 4, period("2026-Q2"): 5, period("2026-H1"): 10}
    assert combine("communication_sessions", entries, date(2026, 1, 1), date(2026, 5, 15)) == 9


def test_the_pooled_figure_is_the_trained_sum_over_the_total_sum_of_communes_that_entered_both_sides():
    communes = [{"staff_trained": 10, "staff_total": 20, "parents_trained": 30, "parents_total": 100},
                {"staff_trained": 5, "staff_total": 5},
                {"parents_trained": 7}]  # no total: left out of the ratio
    figures = reported(communes)
    assert figures["staff_trained"] == {"numerator": 15, "denominator": 25, "value": 0.6,
                                        "communes_reporting": 2}
    assert figures["parents_trained"] == {"numerator": 30, "denominator": 100, "value": 0.3,
                                          "communes_reporting": 1}
    assert figures["staff_parents_trained"] == {"numerator": 45, "denominator": 125, "value": 0.36,
                                                "communes_reporting": 2}


def test_sessions_are_a_count_and_the_declared_network_a_share_of_communes_that_declared():
    figures = reported([{"communication_sessions": 3, "referral_network_working": 1},
                        {"communication_sessions": 4, "referral_network_working": 0},
                        {"referral_network_working": 1}, {}])
    assert figures["communication_sessions"] == {"numerator": 7, "denominator": None, "value": 7,
                                                 "communes_reporting": 2}
    assert figures["declared_referral_network"] == {"numerator": 2, "denominator": 3, "value": 0.6667,
                                                    "communes_reporting": 3}


def test_no_commune_entered_anything_gives_zeros_and_no_ratio():
    assert reported([])["staff_parents_trained"] == {"numerator": 0, "denominator": 0, "value": None,
                                                     "communes_reporting": 0}


def test_every_figure_of_a_pair_names_the_other_and_every_reported_figure_names_known_figures():
    figures = programme.figures()
    for code, rule in figures.items():
        assert rule["kind"] in ("count", "numerator", "denominator")
        assert rule["over_time"] in ("sum", "latest")
        if rule["kind"] != "count":
            assert figures[rule["pair"]]["pair"] == code
    assert set(names_in(programme.rules()["reported"])) <= set(figures)


def names_in(value) -> list[str]:
    """Every figure code a part of the ``reported`` data names, however nested."""
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [name for item in items for name in names_in(item)]
