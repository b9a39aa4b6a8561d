"""On a generated province (``tools.generate_province``, its reporting tables built as the bench builds
them), the workbook opens with openpyxl and every number in it equals the report's JSON: each figure
sheet, the communes sheet with the province's total, and each breakdown asked; the CSV lists the same
figures; the bench times both on the same tables."""

import csv
import io
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from bench import outputs as bench_outputs
from bench.province_tables import build
from services.reporting.catalogue import catalogue
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ReportingBase
from services.reporting.report_csv import report_csv
from services.reporting.repository import ReportingRepository
from services.reporting.workbook import build as build_workbook
from shared.plumbing.db import make_engine
from shared.rules.admin_units import admin_units
from tests.support.workbooks import breakdown_mismatches, expected, place_mismatches, section_figures
from tools.generate_province import generate

AS_OF = date(2026, 6, 30)
CHILDREN = 600


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    province = generate(CHILDREN, seed=3, communes=4)
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('province')}/reporting.db")
    ReportingBase.metadata.create_all(engine)
    with Session(engine) as session:
        build(session, province.calls, admin_units())
        units = admin_units()
        report = compute_indicators(ReportingRepository(session), resolve_area("12", AS_OF, units), AS_OF,
                                    date(2026, 1, 1), AS_OF, units, by_commune=True,
                                    by=("sex", "age_band", "disability"))
        yield session, report
    engine.dispose()


def visible(figures: dict) -> dict:
    """The figures the page and the workbook show: a breakdown row at zero is left out."""
    declared = catalogue().by_id(AS_OF)
    return {key: f for key, f in figures.items() if not (declared[key].hide_zero and f["numerator"] == 0)}


def test_every_number_of_the_generated_provinces_workbook_equals_the_json(built):
    _, report = built
    book = load_workbook(BytesIO(build_workbook(report, datetime(2026, 7, 1, tzinfo=UTC))))
    assert book.sheetnames == ["Tổng hợp", "Hộ tịch, BHYT", "Y tế", "Giáo dục", "Bảo vệ trẻ em",
                               "Kết nối chuyển tuyến", "Chương trình", "Theo xã, phường", "Theo giới tính",
                               "Theo nhóm tuổi", "Theo khuyết tật"]
    assert section_figures(book) == {key: expected(f) for key, f in visible(report["indicators"]).items()}
    assert len(report["communes"]) == 38  # every commune of Lai Châu on the 2025 map, zeros included
    assert place_mismatches(book["Theo xã, phường"], report) == []
    for name, title in (("sex", "Theo giới tính"), ("age_band", "Theo nhóm tuổi"),
                        ("disability", "Theo khuyết tật")):
        assert breakdown_mismatches(book[title], report["breakdowns"][name]) == [], name


def test_the_csv_lists_every_shown_figure_of_the_province_then_of_each_commune(built):
    _, report = built
    rows = list(csv.reader(io.StringIO(report_csv(report)[1:])))
    province = [("12", key) for key in visible(report["indicators"])]
    communes = [(c["code"], key) for c in report["communes"] for key in visible(c["indicators"])]
    groups = [("12", key) for name in ("sex", "age_band", "disability")
              for group in report["breakdowns"][name]["groups"]
              for key in visible(report["breakdowns"][name]["figures"][group])]
    assert [(row[0], row[3]) for row in rows[1:]] == province + communes + groups
    named = {row[10] for row in rows[1 + len(province) + len(communes):]}
    assert named >= {"giới tính: Nữ / female", "giới tính: Nam / male", "nhóm tuổi: 3-5 tuổi / 3-5 years"}


def test_the_bench_times_the_workbook_the_csv_and_the_dashboard_made_from_the_report(built, monkeypatch):
    _, report = built
    monkeypatch.setattr(bench_outputs.settings, "PROVINCE_ROUNDS", 1)
    timing = bench_outputs.time_outputs(report)
    assert timing.csv_rows == len(report_csv(report).split("\r\n")) - 2
    assert timing.workbook_bytes > 20_000 and timing.page_bytes > 20_000
    assert min(timing.workbook_seconds, timing.csv_seconds, timing.page_seconds) > 0
    rows = bench_outputs.output_rows(2.0, timing, (1.0, timing))
    assert [row[0].strip() for row in rows] == ["workbook download (.xlsx: report + workbook)",
                                                "the same figures as CSV (its own part)",
                                                "dashboard (report + page and charts)"]
