"""A file's rows as the records the batch RPCs take (tools.load.rows, tools.load.kinds): CSV cells
typed by the RPC's input schema, empty cells left out, malformed rows refused with their line."""

from pathlib import Path

import pytest

from tools.load.kinds import Kind, UnknownKind, cell_readers, file_format, kind_of
from tools.load.rows import Row, count_rows, read_rows

GROWTH = Kind("health", "record_growth")


def rows_of(tmp_path: Path, name: str, text: str, kind: Kind = GROWTH) -> list[Row]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(read_rows(path, file_format(path), cell_readers(kind) or {}))


@pytest.mark.parametrize("name, kind", [
    ("registry.register_birth.csv", Kind("registry", "register_birth")),
    ("lai-chau.2019.health.record_vaccination.jsonl", Kind("health", "record_vaccination")),
])
def test_the_files_name_says_its_kind(name, kind):
    assert kind_of(Path(name)) == kind


def test_the_options_name_the_kind_of_any_file():
    assert kind_of(Path("births.csv"), "registry", "register_birth") == Kind("registry", "register_birth")
    assert Kind("registry", "register_birth").batch_rpc == "register_births"


@pytest.mark.parametrize("name, service, rpc", [("births.csv", None, None), ("x.csv", "registry", None),
                                                ("Registry.Register-Birth.csv", None, None)])
def test_a_file_whose_kind_cannot_be_told_is_not_loaded(name, service, rpc):
    with pytest.raises(UnknownKind):
        kind_of(Path(name), service, rpc)


def test_a_file_neither_csv_nor_json_lines_is_not_loaded():
    with pytest.raises(UnknownKind, match="ends in .csv or .jsonl"):
        file_format(Path("health.record_growth.xlsx"))


def test_csv_cells_are_typed_by_the_rpcs_schema_and_an_empty_cell_leaves_the_field_out(tmp_path):
    found = rows_of(tmp_path, "health.record_growth.csv",
                    "record_id,child_id,commune_code,weight_kg,length_height_cm,oedema\n"
                    "00123,0042,03388,7.5,,true\n")
    assert found == [Row(2, {"record_id": "00123", "child_id": "0042", "commune_code": "03388",
                             "weight_kg": 7.5, "oedema": "true"},
                         ["00123", "0042", "03388", "7.5", "", "true"])]


def test_an_integer_field_takes_a_whole_number_and_a_cell_that_is_not_one_is_sent_as_text(tmp_path):
    found = rows_of(tmp_path, "health.record_vaccination.csv", "record_id,dose\nv-1,2\nv-2,two\n",
                    Kind("health", "record_vaccination"))
    assert [row.record for row in found] == [{"record_id": "v-1", "dose": 2},
                                             {"record_id": "v-2", "dose": "two"}]


def test_a_csv_row_is_numbered_by_the_line_it_starts_on_and_a_short_row_is_malformed(tmp_path):
    found = rows_of(tmp_path, "health.record_growth.csv",
                    'record_id,position\ng-1,"lying\nand more"\n\ng-2\ng-3,standing\n')
    assert [(row.line, row.record, row.problem) for row in found] == [
        (2, {"record_id": "g-1", "position": "lying\nand more"}, None),
        (5, None, "Has 1 cells where the header has 2."),
        (6, {"record_id": "g-3", "position": "standing"}, None)]
    assert found[1].raw == ["g-2"]
    assert count_rows(tmp_path / "health.record_growth.csv", "csv") == 3


def test_a_json_line_that_is_not_an_object_is_a_refused_row_with_its_line_number_not_a_crash(tmp_path):
    found = rows_of(tmp_path, "health.record_growth.jsonl",
                    '{"record_id": "g-1", "weight_kg": 7.5}\n\n{"record_id": "g-2",\n[1, 2]\n')
    assert found == [
        Row(1, {"record_id": "g-1", "weight_kg": 7.5}, {"record_id": "g-1", "weight_kg": 7.5}),
        Row(3, None, '{"record_id": "g-2",', "Not valid JSON: Expecting property name enclosed in "
                                             "double quotes (column 21)."),
        Row(4, None, [1, 2], "Must be a JSON object, not list.")]
    assert count_rows(tmp_path / "health.record_growth.jsonl", "jsonl") == 3


def test_a_kind_without_a_schema_found_sends_its_cells_as_text(tmp_path):
    assert cell_readers(Kind("nowhere", "record_thing")) is None
    assert cell_readers(Kind("registry", "void_record")) == {}
