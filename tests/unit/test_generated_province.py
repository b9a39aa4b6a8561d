"""The generated province (``tools.generate_province``): the same for a seed, of realistic shape,
every record valid for the RPC that takes it, and on both maps of Lai Châu."""

import json
from collections import Counter
from datetime import date

import pytest

from services.education import schemas as education
from services.health import schemas as health
from services.protection import schemas as protection
from services.registry import schemas as registry
from shared.contracts.fields import load
from shared.kit.records import VoidRecordSchema
from shared.kit.referral_commands import ReferChildSchema
from shared.rules.admin_units import CURRENT_MAP_FROM, admin_units
from tools.generate_province import generate, main
from tools.load.kinds import Kind, input_schema
from tools.province.people import cohort_sizes

SCHEMAS = {
    ("registry", "register_birth"): registry.RegisterBirthSchema,
    ("registry", "issue_insurance_card"): registry.IssueInsuranceCardSchema,
    ("registry", "change_residence"): registry.ChangeResidenceSchema,
    ("registry", "record_death"): registry.RecordDeathSchema,
    ("health", "record_vaccination"): health.RecordVaccinationSchema,
    ("health", "record_growth"): health.RecordGrowthSchema,
    ("health", "record_screening"): health.RecordScreeningSchema,
    ("health", "record_health_check"): health.RecordHealthCheckSchema,
    ("health", "refer_child"): ReferChildSchema,
    ("education", "record_enrolment"): education.RecordEnrolmentSchema,
    ("education", "end_enrolment"): education.EndEnrolmentSchema,
    ("protection", "record_special_circumstance"): protection.RecordSpecialCircumstanceSchema,
    ("protection", "grant_allowance"): protection.GrantAllowanceSchema,
    ("protection", "open_case"): protection.OpenCaseSchema,
    ("protection", "update_case"): protection.UpdateCaseSchema,
    ("protection", "close_case"): protection.CloseCaseSchema,
}


@pytest.fixture(scope="module")
def province():
    return generate(1000, seed=3)


def test_the_same_seed_gives_the_same_calls_in_the_same_order(province):
    again = generate(1000, seed=3)
    assert [c.line() for c in again.calls] == [c.line() for c in province.calls]
    assert generate(1000, seed=8).calls[0].line() != province.calls[0].line()


def test_birth_cohorts_are_nearly_equal_and_fall_slightly_in_recent_years(province):
    assert province.summary()["cohorts"] == {0: 101, 1: 104, 2: 106, 3: 109, 4: 111, 5: 114, 6: 116,
                                             7: 118, 8: 121}
    assert cohort_sizes(250_000) == {0: 25362, 1: 25966, 2: 26570, 3: 27174, 4: 27778, 5: 28382,
                                     6: 28986, 7: 29589, 8: 30193}


def test_most_births_are_registered_on_time_and_boys_outnumber_girls_as_in_vietnam(province):
    summary = province.summary()
    assert summary["registered"] == 986
    assert summary["registered_on_time"] == 775
    assert summary["on_time_share"] == 0.786  # within the band 0.75-0.85 the communes' rates give
    assert summary["sexes"] == {"female": 482, "male": 518}


def test_every_record_is_valid_for_the_rpc_that_takes_it(province):
    refused = []
    for call in province.calls:
        schema = VoidRecordSchema if call.method == "void_record" else SCHEMAS[(call.service, call.method)]
        try:
            load(schema, call.record)
        except Exception as error:  # noqa: BLE001 - collected to show every refusal at once
            refused.append((call.method, call.record["record_id"], error))
    assert refused == []


def test_the_province_has_every_sector_moves_deaths_and_voided_records(province):
    calls = Counter(f"{c.service}.{c.method}" for c in province.calls)
    assert set(calls) == {f"{s}.{m}" for s, m in SCHEMAS} | {"registry.void_record", "health.void_record"}
    summary = province.summary()
    assert (summary["moved"], summary["died"], summary["voided_births"]) == (28, 2, 5)


def test_births_are_placed_on_the_map_in_force_on_their_registration_day(province):
    units = admin_units()
    for call in province.calls:
        if call.method == "register_birth":
            registered = date.fromisoformat(call.record["registration_date"])
            assert units.commune(call.record["commune_code"], registered) is not None
    maps = Counter(units.map_on(date.fromisoformat(c.record["registration_date"]))
                   for c in province.calls if c.method == "register_birth")
    assert set(maps) == {"legacy", "2025"}
    assert date(2025, 6, 30) < CURRENT_MAP_FROM


def test_remote_communes_are_mostly_minority_and_poorer():
    province = generate(3000, seed=3)
    remote = [c for c in province.children if c.home.remoteness > 0.7]
    towns = [c for c in province.children if c.home.remoteness < 0.3]
    share = lambda group, test: sum(map(test, group)) / len(group)  # noqa: E731
    kinh = lambda c: c.ethnicity == "Kinh"  # noqa: E731
    assert share(remote, kinh) < 0.25 < share(towns, kinh)
    assert share(remote, lambda c: c.poverty == "poor") > share(towns, lambda c: c.poverty == "poor")


def test_records_come_in_the_order_they_reach_the_services(province):
    arrivals = [c.arrives for c in province.calls]
    assert arrivals == sorted(arrivals)
    born = {}
    for call in province.calls:  # a child's birth reaches the registry before anything else of it there
        if call.method == "register_birth":
            born[call.record["child_id"]] = True
        elif call.service == "registry" and call.method != "void_record":
            assert call.record["child_id"] in born


def test_every_record_has_its_own_id_and_what_names_a_record_comes_after_it():
    province = generate(3000, seed=3)
    sent, named_before = set(), []
    for call in province.calls:
        record = call.record
        if call.method == "void_record":
            named_before.append(record["record_id"] in sent)
            continue
        named = record.get("enrolment_id") or (record["case_id"] + "-opened"
                                                if call.method in ("update_case", "close_case") else None)
        if named:
            named_before.append(named in sent)
        assert record["record_id"] not in sent
        sent.add(record["record_id"])
    assert len(named_before) > 100 and all(named_before)


def test_the_command_writes_one_json_line_per_call_and_prints_its_summary(tmp_path, capsys):
    out = tmp_path / "calls.jsonl"
    assert main(["--children", "30", "--seed", "3", "--communes", "1", "--out", str(out)]) == 0
    province = generate(30, seed=3, communes=1)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [call.line() for call in province.calls]
    assert set(lines[0]) == {"service", "method", "record"}
    summary = json.loads(capsys.readouterr().out)
    assert (summary["children"], summary["registered"]) == (30, 30)
    assert summary["expected"]["province"] == {"births": 1, "births_on_time": 1, "under5": 15, "under6": 18,
                                               "under6_card": 17}


def test_the_command_writes_one_file_of_records_per_kind_for_the_loader(tmp_path):
    assert main(["--children", "30", "--seed", "3", "--communes", "1", "--out-files", str(tmp_path)]) == 0
    province = generate(30, seed=3, communes=1)
    files = sorted(tmp_path.iterdir())
    assert files[0].name == "01.registry.register_birth.jsonl"
    read = {}
    for path in files:
        number, service, method, _ = path.name.split(".")
        read[(service, method)] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert read == {kind: [call.record for call in province.calls if (call.service, call.method) == kind]
                    for kind in read}
    assert sum(map(len, read.values())) == len(province.calls)


def test_the_loader_finds_the_input_schema_of_every_rpc_the_province_calls():
    assert {kind: input_schema(Kind(*kind)) for kind in SCHEMAS} == SCHEMAS
    assert input_schema(Kind("health", "void_record")) is VoidRecordSchema
