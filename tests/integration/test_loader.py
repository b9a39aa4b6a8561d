"""The loader (``python -m tools.load``) as an operator runs it, against a batch service on the real
RabbitMQ (``tests.support.batch_sector``, health's ``record_growths`` kept in memory): good rows
stored, bad rows written beside the file with their typed errors, and a load killed or interrupted
mid-file finished by running it again, every row stored once and none sent twice but the one batch
in flight at a crash.
"""

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from nameko.testing.utils import get_extension
from sqlalchemy import func, select

from services.registry.orm import Record as RegistryRecord
from tests.support.batch_sector import FakeHealthBatches, MemoryLedger
from tests.support.factories import COMMUNE, make_birth, make_growth
from tests.support.identities import trust_env
from tests.support.processes import ROOT, wait_until
from tools.run_platform import QUIET_EVENTLET

HEADER = "record_id,child_id,measured_on,commune_code,weight_kg,length_height_cm,position,oedema"
GROWTH_KEYS = ("record_id", "child_id", "measured_on", "commune_code", "weight_kg", "length_height_cm",
               "position")


@pytest.fixture
def ledger(clean_infra, container_factory):
    container = container_factory(FakeHealthBatches, {"AMQP_URI": clean_infra.amqp_uri})
    container.start()
    return get_extension(container, MemoryLedger).ledger


def start_loader(infra, tmp_path: Path, path: Path, *options: str, run: str = "run",
                 **env: str) -> subprocess.Popen:
    out, err = (open(tmp_path / f"{run}.{stream}", "w") for stream in ("out", "err"))
    return subprocess.Popen([sys.executable, "-m", "tools.load", str(path), "--amqp", infra.amqp_uri,
                             "--batch", "2", "--timeout", "20", "--retries", "1", *options],
                            cwd=ROOT, stdout=out, stderr=err,
                            env={**os.environ, "PYTHONWARNINGS": QUIET_EVENTLET, **trust_env(), **env})


def run_loader(infra, tmp_path: Path, path: Path, *options: str, run: str = "run",
               **env: str) -> tuple[int, str, str]:
    code = start_loader(infra, tmp_path, path, *options, run=run, **env).wait(timeout=120)
    return code, (tmp_path / f"{run}.out").read_text(), (tmp_path / f"{run}.err").read_text()


def growth_file(tmp_path: Path, count: int) -> tuple[Path, list[str]]:
    records = [make_growth(f"child-{n}", record_id=f"g-{n}") for n in range(1, count + 1)]
    path = tmp_path / "2019.health.record_growth.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path, [record["record_id"] for record in records]


def saved_progress(path: Path) -> dict:
    return json.loads(path.with_name(f"{path.name}.progress.json").read_text())


def test_a_file_of_good_and_bad_rows_stores_the_good_and_writes_the_bad_with_their_typed_errors(
        clean_infra, ledger, tmp_path):
    path = tmp_path / "health.record_growth.csv"
    path.write_text(f"{HEADER}\n"
                    f"g-1,child-1,2024-09-01,{COMMUNE},7.5,66.0,lying,\n"
                    f"g-2,child-2,2024-09-01,{COMMUNE},heavy,66.0,lying,\n"
                    f"g-3,child-3,2024-09-01,{COMMUNE},,,lying,\n"
                    f"g-4,child-4,2024-09-01,{COMMUNE},,81.5,standing,true\n"
                    f"g-5,child-5,2024-09-01,{COMMUNE},9.1\n")

    code, out, err = run_loader(clean_infra, tmp_path, path)

    assert code == 0, err
    assert out == (f"{path}: 5 rows: 2 accepted, 0 pending, 3 refused (ValidationFailed 3); "
                   f"refused rows in {path}.refused.csv\n")
    assert sorted(ledger.stored) == ["g-1", "g-4"]
    assert ledger.stored["g-1"]["weight_kg"] == 7.5 and ledger.stored["g-4"]["oedema"] is True
    assert ledger.received == ["g-1", "g-2", "g-3", "g-4"]  # g-5 was malformed: never sent
    assert (tmp_path / "health.record_growth.csv.refused.csv").read_text().splitlines() == [
        f"line,record_id,error_type,error_message,error_fields,{HEADER}",
        '3,g-2,ValidationFailed,weight_kg: Not a valid number.,"{""weight_kg"": [""Not a valid number.""]}",'
        f"g-2,child-2,2024-09-01,{COMMUNE},heavy,66.0,lying,",
        '4,g-3,ValidationFailed,"weight_kg: Give a weight, a length/height or both.",'
        '"{""weight_kg"": [""Give a weight, a length/height or both.""]}",'
        f"g-3,child-3,2024-09-01,{COMMUNE},,,lying,",
        '6,,ValidationFailed,_schema: Has 5 cells where the header has 8.,'
        '"{""_schema"": [""Has 5 cells where the header has 8.""]}",'
        f"g-5,child-5,2024-09-01,{COMMUNE},9.1"]
    assert saved_progress(path)["complete"] is True


def test_a_load_killed_mid_file_resumes_and_sends_again_only_the_batch_in_flight(
        clean_infra, ledger, tmp_path):
    path, ids = growth_file(tmp_path, 10)

    killed, _, _ = run_loader(clean_infra, tmp_path, path, run="killed", LOAD_FAULT_EXIT_AFTER_BATCHES="2")
    assert killed == -signal.SIGKILL
    assert saved_progress(path)["rows_done"] == 4  # batches 1 and 2 saved; batch 3 answered, not saved
    assert ledger.received == ids[:6]

    code, out, err = run_loader(clean_infra, tmp_path, path, run="resumed")

    assert code == 0, err
    assert ledger.received == ids[:6] + ids[4:]  # batch 3 (g-5, g-6) twice, every other row once
    assert sorted(ledger.stored) == sorted(ids)
    assert out == f"{path}: 10 rows: 10 accepted, 0 pending, 0 refused\n"


def test_ctrl_c_stops_after_the_batch_in_flight_and_a_rerun_sends_no_row_twice(
        clean_infra, ledger, tmp_path):
    path, ids = growth_file(tmp_path, 10)
    ledger.hold(3)
    loader = start_loader(clean_infra, tmp_path, path, run="interrupted")
    assert ledger.holding.wait(timeout=60)

    loader.send_signal(signal.SIGINT)
    wait_until(lambda: "Stopping after the batch in flight" in (tmp_path / "interrupted.err").read_text(),
               30, "the loader to take the Ctrl-C")
    ledger.release()

    assert loader.wait(timeout=60) == 130
    told = (tmp_path / "interrupted.err").read_text()
    assert "stopped after row 6 of 10; run the same command again" in told
    assert saved_progress(path)["rows_done"] == 6
    code, out, err = run_loader(clean_infra, tmp_path, path, run="resumed")
    assert code == 0, err
    assert ledger.received == ids
    assert out == f"{path}: 10 rows: 10 accepted, 0 pending, 0 refused\n"


def test_a_batch_refused_whole_stops_the_load_with_the_services_reason(clean_infra, ledger, tmp_path):
    path, _ = growth_file(tmp_path, 1001)

    code, out, err = run_loader(clean_infra, tmp_path, path, "--batch", "1001")

    assert code == 1
    assert out == ""
    assert err.endswith("ValidationFailed: records: Must be a list of at most 1000 records.\n")
    assert (ledger.received, saved_progress(path)["rows_done"]) == ([], 0)


def test_a_load_whose_service_does_not_answer_stops_with_its_progress_saved(clean_infra, tmp_path):
    path, _ = growth_file(tmp_path, 4)

    code, out, err = run_loader(clean_infra, tmp_path, path)

    assert code == 3
    assert out == ""
    assert "health.record_growths: no answer after 2 tries (UnknownService" in err
    assert "progress saved: run the same command again to go on" in err
    assert saved_progress(path)["rows_done"] == 0


def test_a_birth_file_loaded_into_the_real_registry_stores_the_good_births_and_returns_the_bad_one(
        clean_infra, registry_container, registry_db, tmp_path):
    births = [make_birth(record_id=f"hist-{n}") for n in range(1, 6)]
    births[2]["date_of_birth"] = "2024-02-30"
    columns = list(births[0])
    path = tmp_path / "registry.register_birth.csv"
    path.write_text(",".join(columns) + "\n" + "".join(
        ",".join(str(birth[column]) for column in columns) + "\n" for birth in births))
    code, out, _ = run_loader(clean_infra, tmp_path, path)
    assert code == 0
    assert "5 rows: 4 accepted, 0 pending, 1 refused (ValidationFailed 1)" in out
    stored = registry_db.scalars(select(RegistryRecord.record_id).order_by(RegistryRecord.record_id))
    assert list(stored) == ["hist-1", "hist-2", "hist-4", "hist-5"]
    [refused] = list(csv.DictReader(path.with_name(f"{path.name}.refused.csv").open()))
    assert (refused["line"], refused["record_id"], refused["error_type"]) == (
        "4", "hist-3", "ValidationFailed")
    assert json.loads(refused["error_fields"]) == {"date_of_birth": ["Not a valid date."]}
    code, out, _ = run_loader(clean_infra, tmp_path, path, "--restart", run="again")
    assert (code, "4 accepted" in out) == (0, True)  # answered again as they were: stored once
    assert registry_db.scalar(select(func.count()).select_from(RegistryRecord)) == 4
