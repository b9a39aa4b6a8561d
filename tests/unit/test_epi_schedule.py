"""The EPI schedule as data: early, late, missing and out-of-order doses, versions, the due list."""

from datetime import date
from importlib.resources import files

import pytest
import yaml

from shared.rules import epi
from shared.rules.epi import Dose, fully_immunised, judge, next_doses

BORN = date(2025, 1, 10)


def doses(*given):
    return [Dose(f"r{i}", antigen, n, date.fromisoformat(day)) for i, (antigen, n, day) in enumerate(given)]


def verdict_of(verdicts, record_id):
    return next(v for v in verdicts if v.record_id == record_id)


def test_a_dose_before_the_minimum_age_is_kept_invalid_with_its_reason_and_the_next_one_counts_first():
    verdicts = judge(BORN, doses(("dtp_hepb_hib", 1, "2025-02-01"), ("dtp_hepb_hib", 2, "2025-03-12")))
    assert (verdicts[0].valid, verdicts[0].reason, verdicts[0].counts_as) == (
        False, "given before the minimum age of 6w", None)
    assert (verdicts[1].valid, verdicts[1].counts_as) == (True, 1)


def test_a_dose_sooner_than_the_interval_after_the_previous_valid_dose_does_not_count():
    verdicts = judge(BORN, doses(("opv", 1, "2025-03-10"), ("opv", 2, "2025-04-01"),
                                 ("opv", 2, "2025-04-10")))
    assert [(v.valid, v.counts_as) for v in verdicts] == [(True, 1), (False, None), (True, 2)]
    assert verdicts[1].reason == "given 22 days after the previous dose; the minimum interval is 1m"


def test_late_doses_are_valid_and_the_series_goes_on_without_restarting():
    verdicts = judge(BORN, doses(("dtp_hepb_hib", 1, "2025-09-01"), ("dtp_hepb_hib", 2, "2025-10-01"),
                                 ("dtp_hepb_hib", 3, "2026-03-01")))
    assert [v.counts_as for v in verdicts] == [1, 2, 3]


def test_doses_recorded_out_of_order_are_judged_in_the_order_given():
    verdicts = judge(BORN, doses(("dtp_hepb_hib", 2, "2025-05-10"), ("dtp_hepb_hib", 1, "2025-03-10")))
    assert [(v.record_id, v.counts_as) for v in verdicts] == [("r1", 1), ("r0", 2)]


def test_a_dose_after_the_maximum_age_and_an_extra_dose_do_not_count():
    verdicts = judge(BORN, doses(("rota", 1, "2025-08-01"), ("bcg", 1, "2025-01-10"),
                                 ("bcg", 1, "2025-02-10")))
    assert verdict_of(verdicts, "r0").reason == "given after the maximum age of 6m"
    assert verdict_of(verdicts, "r2").reason == "extra dose: the schedule has 1"


def test_missing_doses_are_listed_most_overdue_first_with_the_interval_from_the_last_valid_dose():
    verdicts = judge(BORN, doses(("bcg", 1, "2025-01-10"), ("dtp_hepb_hib", 1, "2025-03-10")))
    due = next_doses(BORN, verdicts, date(2025, 6, 1), "12")
    listed = [(d.antigen, d.dose, d.due_on, d.days_overdue, d.status) for d in due if d.status != "upcoming"]
    assert listed == [
        ("opv", 1, date(2025, 3, 10), 83, "overdue"),
        ("dtp_hepb_hib", 2, date(2025, 4, 7), 55, "overdue"),
    ]


def test_a_dose_just_due_is_due_not_overdue_and_a_missed_birth_dose_is_not_listed():
    due = next_doses(BORN, [], date(2025, 3, 20), "12")
    assert {(d.antigen, d.status) for d in due if d.status != "upcoming"} == {
        ("dtp_hepb_hib", "due"), ("opv", "due"), ("bcg", "overdue")}


def test_rotavirus_is_due_only_where_and_when_it_was_rolled_out():
    child = date(2026, 1, 5)
    assert "rota" in {d.antigen for d in next_doses(child, [], date(2026, 3, 20), "01")}
    assert "rota" not in {d.antigen for d in next_doses(child, [], date(2026, 3, 20), "12")}


def test_td_at_seven_is_in_the_2024_schedule_and_not_in_the_2017_one():
    seven = date(2017, 3, 1)
    assert "td" not in {d.antigen for d in next_doses(seven, [], date(2024, 7, 31), "12")}
    assert [(d.antigen, d.due_on) for d in next_doses(seven, [], date(2024, 8, 1), "12")
            if d.antigen == "td"] == [("td", date(2024, 3, 1))]


def test_fully_immunised_needs_bcg_three_pentavalent_three_opv_and_measles_before_the_first_birthday():
    given = doses(("bcg", 1, "2025-01-10"), *[("dtp_hepb_hib", n, day) for n, day in
                                               ((1, "2025-03-10"), (2, "2025-04-10"), (3, "2025-05-10"))],
                  *[("opv", n, day) for n, day in ((1, "2025-03-10"), (2, "2025-04-10"), (3, "2025-05-10"))])
    assert not fully_immunised(judge(BORN, [*given, Dose("m", "measles", 1, date(2026, 1, 10))]), BORN)
    assert fully_immunised(judge(BORN, [*given, Dose("m", "measles", 1, date(2026, 1, 9))]), BORN)


@pytest.mark.parametrize("card, dose, meant", [
    ("HepB0", 0, ("hepb_birth", 1)),
    ("VGB sơ sinh", None, ("hepb_birth", 1)),
    ("DPT-VGB-Hib", 3, ("dtp_hepb_hib", 3)),
    ("dpt vgb hib", 2, ("dtp_hepb_hib", 2)),
    ("Sởi-Rubella", 1, ("mr", 1)),
    ("VNNB", 2, ("je", 2)),
    ("measles", 1, ("measles", 1)),
    ("smallpox", 1, ("smallpox", 1)),  # not a card name: left for the schedule to refuse
])
def test_a_vaccine_as_the_card_writes_it_is_the_schedules_antigen_and_dose(card, dose, meant):
    assert epi.as_on_the_schedule(card, dose) == meant


def test_every_card_name_means_an_antigen_of_the_schedule():
    antigens = set(epi.schedule().antigens())
    assert {meaning["antigen"] for meaning in epi.card_names().values()} <= antigens


def test_every_row_of_every_version_says_its_maximum_age():
    raw = yaml.safe_load((files("shared.rules") / "data" / "epi_schedule.yaml").read_text("utf-8"))
    rows = [row for version in raw["versions"] for row in [*version["rows"], *version.get("add_rows", [])]]
    assert [(row["antigen"], row["dose"]) for row in rows if "max_age" not in row] == []


def test_a_six_year_old_never_vaccinated_is_due_only_what_is_still_given_at_six():
    six = date(2020, 3, 1)
    due = next_doses(six, [], date(2026, 6, 30), "12")
    assert [(d.antigen, d.dose, d.due_on, d.status) for d in due] == [
        ("dtp", 1, date(2021, 9, 1), "overdue"), ("mr", 1, date(2021, 9, 1), "overdue"),
        ("td", 1, date(2027, 3, 1), "upcoming")]


def test_a_pentavalent_dose_given_after_five_years_is_kept_but_does_not_count():
    verdicts = judge(date(2020, 3, 1), doses(("dtp_hepb_hib", 1, "2025-03-02")))
    assert (verdicts[0].valid, verdicts[0].reason) == (False, "given after the maximum age of 5y")
