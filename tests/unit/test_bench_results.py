"""The bench's results file: every figure with its baseline and ratio, parts that are missing or fail
recorded as not measured, the table printed from the same figures; and the births the bulk figure loads."""

import json
import sys
import types

import pytest

from bench.results import Results, figure, not_measured, row, run_metadata


@pytest.fixture
def relay_part(monkeypatch):
    """A stand-in ``bench.relay`` whose figures() gives a value and a baseline but no ratio."""
    module = types.ModuleType("bench.relay_for_test")
    module.figures = lambda: {"relay windowed": {"value": 9000.0, "unit": "msg/s", "baseline": 1800.0,
                                                 "ratio": None}}
    monkeypatch.setitem(sys.modules, "bench.relay_for_test", module)
    return "bench.relay_for_test"


def written(results: Results, tmp_path) -> dict:
    path = results.write(tmp_path / "var" / "bench.json", run_metadata(["postgresql"], {"ROUNDS": 1}, 12.34))
    return json.loads(path.read_text())


def test_a_figure_is_written_with_its_baseline_and_the_ratio_computed(tmp_path):
    results = Results()
    results.add("bulk end to end", figure(6000.0, "records/s", 12000.0, "broker consume", goal=">= 0.5"))
    assert written(results, tmp_path)["figures"] == {"bulk end to end": {
        "value": 6000.0, "unit": "records/s", "baseline": 12000.0, "ratio": 0.5,
        "baseline_name": "broker consume", "goal": ">= 0.5"}}


def test_the_file_holds_the_runs_metadata_beside_the_figures(tmp_path):
    run = written(Results(), tmp_path)["run"]
    assert sorted(run) == ["configurations", "cores", "date", "git_head", "seconds", "settings"]
    assert (run["configurations"], run["settings"], run["seconds"]) == (["postgresql"], {"ROUNDS": 1}, 12.3)


def test_a_parts_figure_without_a_ratio_gets_one(relay_part, tmp_path):
    results = Results()
    results.part("relay", relay_part)
    assert written(results, tmp_path)["figures"]["relay windowed"] == {
        "value": 9000.0, "unit": "msg/s", "baseline": 1800.0, "ratio": 5.0}


def test_a_part_not_importable_yet_is_recorded_as_not_measured_and_the_run_goes_on(tmp_path):
    results = Results()
    results.part("rebuild vs COPY", "bench.no_such_part")
    results.add("COPY", figure(96000.0, "rows/s"))
    assert written(results, tmp_path)["figures"] == {
        "rebuild vs COPY": {"value": None, "unit": "", "baseline": None, "ratio": None,
                            "not_measured": "bench.no_such_part is not importable "
                                            "(No module named 'bench.no_such_part')"},
        "COPY": {"value": 96000.0, "unit": "rows/s", "baseline": None, "ratio": None}}


def test_a_part_without_figures_or_that_fails_says_why(relay_part):
    results = Results()
    results.part("province", "bench.results")  # importable, but has no figures()

    def broken():
        raise RuntimeError("reporting did not start")

    results.gather("bulk end to end", broken)
    assert results.figures["province"]["not_measured"] == "bench.results has no figures() yet"
    assert results.figures["bulk end to end"]["not_measured"] == "RuntimeError: reporting did not start"


def test_the_printed_row_shows_the_same_value_ratio_and_reason():
    assert row("single write", figure(120.0, "births/s", 600.0, "B no-op RPC", goal=">= 0.7")) == (
        "single write", "120", "births/s", "0.20 x B no-op RPC (600); goal >= 0.7")
    assert row("child view p99", not_measured("bench.province has no figures() yet", "ms")) == (
        "child view p99", "—", "ms", "not measured: bench.province has no figures() yet")


def test_a_rebuild_figure_without_a_baseline_is_measured_against_this_runs_copy():
    from bench.collect import with_copy_baseline

    rebuild = {"rebuild": figure(48000.0, "events/s")}
    with_copy_baseline(rebuild, figure(96000.0, "rows/s"))
    assert rebuild["rebuild"] == {"value": 48000.0, "unit": "events/s", "baseline": 96000.0, "ratio": 0.5,
                                  "baseline_name": "PostgreSQL COPY (this run)"}


def test_the_bulk_births_are_as_many_as_asked_each_child_once(tmp_path):
    from bench.bulk import birth_records, write_records

    births = birth_records(300, seed=19)
    assert len(births) == 300
    assert len({birth["child_id"] for birth in births}) == 300
    assert len({birth["record_id"] for birth in births}) == 300
    lines = write_records(births, tmp_path / "births.csv").read_text(encoding="utf-8").splitlines()
    assert (lines[0].split(",")[:2], len(lines)) == (["record_id", "child_id"], 301)


def test_the_end_to_end_rates_are_figures_against_the_no_op_rpc_and_a_stopped_one_says_why():
    from bench.collect import write_figures
    from bench.configs import CONFIGURATIONS
    from bench.endtoend import Outcome
    from bench.table import Baselines

    outcome = Outcome(CONFIGURATIONS["postgresql"], None, rates={"births 1": [100.0, 120.0, 110.0]},
                      stopped="registry -> reporting, 10 callers: froze")
    made = write_figures([outcome], Baselines(publish=1800.0, consume=12000.0, noop=550.0))
    single = made["single-record write end to end (register_birth -> reporting, 1 caller), PostgreSQL"]
    assert (single["value"], single["baseline"], single["goal"]) == (110.0, 550.0, "≥ 0.7")
    assert single["ratio"] == 0.2
    assert made["PostgreSQL: registry -> reporting, 10 callers"]["not_measured"] == (
        "registry -> reporting, 10 callers: froze")
