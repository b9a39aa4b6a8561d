"""A load's progress file and the refused-rows file beside its input (tools.load.progress,
tools.load.refused): saved whole, resumed only on the same file and kind, cut back on resume."""

import json
from pathlib import Path

import pytest

from shared.contracts.batches import refusal
from shared.exceptions import Conflict, ValidationFailed
from tools.load.progress import Progress, fingerprint, progress_path, read_progress, save_progress
from tools.load.refused import RefusedRows
from tools.load.run import CannotResume, Source, start

ACCEPTED = {"record_id": "g-1", "status": "accepted"}
BAD_WEIGHT = refusal("g-2", ValidationFailed({"weight_kg": ["Not a valid number."]}))
USED = refusal("g-3", Conflict("Record g-3 was already used for other data."))


@pytest.fixture
def source(tmp_path) -> Source:
    path = tmp_path / "health.record_growth.jsonl"
    path.write_text('{"record_id": "g-1"}\n{"record_id": "g-2"}\n')
    return Source.of(path)


def test_a_new_load_saves_the_files_fingerprint_and_row_count_before_it_sends(source):
    progress = start(source)
    assert progress == Progress(fingerprint(source.path), "health", "record_growth", total=2)
    assert progress.fingerprint == {"size": 42, "sha256": fingerprint(source.path)["sha256"]}
    assert read_progress(source.path) == progress


def test_progress_is_replaced_whole_and_read_back_as_saved(source):
    progress = start(source)
    progress.count([ACCEPTED, {"record_id": "g-4", "status": "pending"}, BAD_WEIGHT, USED, BAD_WEIGHT])
    progress.rows_done, progress.refused_bytes = 5, 310
    save_progress(source.path, progress)
    assert json.loads(progress_path(source.path).read_text())["refused"] == {"Conflict": 1,
                                                                              "ValidationFailed": 2}
    assert read_progress(source.path) == progress
    assert (progress.accepted, progress.pending, progress.refused_total()) == (1, 1, 3)
    assert sorted(p.name for p in source.path.parent.iterdir()) == [
        "health.record_growth.jsonl", "health.record_growth.jsonl.progress.json"]  # no temporary left


def test_a_load_resumes_where_its_progress_says(source):
    progress = start(source)
    progress.rows_done = 1
    save_progress(source.path, progress)
    assert start(source).rows_done == 1
    assert start(source, restart=True).rows_done == 0


def test_a_changed_file_is_not_resumed_blindly(source):
    start(source)
    source.path.write_text('{"record_id": "g-1"}\n{"record_id": "g-9"}\n')  # same size, other rows
    with pytest.raises(CannotResume, match="changed since its load began"):
        start(source)


def test_a_file_is_not_resumed_as_another_kind(source):
    start(source)
    with pytest.raises(CannotResume, match="loaded as health.record_growth, not health.record_screening"):
        start(Source.of(source.path, "health", "record_screening"))


def test_refused_csv_rows_carry_their_line_record_id_typed_error_and_the_row(tmp_path):
    refused = RefusedRows(tmp_path / "in.csv", "csv", ["record_id", "weight_kg"], keep_bytes=0)
    refused.write(3, ["g-2", "heavy"], BAD_WEIGHT)
    refused.write(4, ["g-3", "7"], USED)
    refused.flush()
    assert (tmp_path / "in.csv.refused.csv").read_text().splitlines() == [
        "line,record_id,error_type,error_message,error_fields,record_id,weight_kg",
        '3,g-2,ValidationFailed,weight_kg: Not a valid number.,"{""weight_kg"": [""Not a valid number.""]}",'
        "g-2,heavy",
        "4,g-3,Conflict,Record g-3 was already used for other data.,,g-3,7"]


def test_refused_json_lines_carry_the_error_as_the_service_gave_it(tmp_path):
    refused = RefusedRows(tmp_path / "in.jsonl", "jsonl", [], keep_bytes=0)
    refused.write(7, {"record_id": "g-2", "weight_kg": "heavy"}, BAD_WEIGHT)
    refused.write(9, '{"record_id": ', refusal(None, ValidationFailed({"_schema": ["Not valid JSON."]})))
    refused.flush()
    assert [json.loads(line) for line in (tmp_path / "in.jsonl.refused.jsonl").read_text().splitlines()] == [
        {"line": 7, "record_id": "g-2", "error": BAD_WEIGHT["error"],
         "row": {"record_id": "g-2", "weight_kg": "heavy"}},
        {"line": 9, "record_id": None, "row": '{"record_id": ',
         "error": {"type": "ValidationFailed", "message": "_schema: Not valid JSON.",
                   "fields": {"_schema": ["Not valid JSON."]}}}]


def test_a_resumed_load_cuts_the_refused_rows_back_to_what_its_progress_counted(tmp_path):
    first = RefusedRows(tmp_path / "in.jsonl", "jsonl", [], keep_bytes=0)
    first.write(1, {"record_id": "g-1"}, BAD_WEIGHT)
    saved = first.flush()
    first.write(2, {"record_id": "g-2"}, BAD_WEIGHT)  # the batch in flight when the load died
    first.flush()

    RefusedRows(tmp_path / "in.jsonl", "jsonl", [], keep_bytes=saved).close()

    assert [json.loads(line)["line"] for line in (tmp_path / "in.jsonl.refused.jsonl").open()] == [1]


def test_a_load_started_afresh_leaves_no_refused_rows_of_an_earlier_one(tmp_path):
    (tmp_path / "in.jsonl.refused.jsonl").write_text('{"line": 1}\n')
    assert RefusedRows(Path(tmp_path / "in.jsonl"), "jsonl", [], keep_bytes=0).flush() == 0
    assert not (tmp_path / "in.jsonl.refused.jsonl").exists()
