"""The CSV lists show values as people read them, and name a bad URL parameter in both languages."""

from datetime import date
from pathlib import Path

import yaml

from services.education.roster_csv import COLUMNS as ROSTER
from services.health.due_csv import COLUMNS as DUE
from shared.exceptions import ValidationFailed
from shared.kit.csv_export import Column, csv_response, day, each, labelled, to_csv, yes_no
from shared.rules.epi import card_labels, schedule
from shared.rules.schooling import LEVELS, end_reasons, exceptions, labels

CATALOGUE = Path(__file__).parents[2] / "services/reporting/sources/health/catalogue.yaml"


def test_dates_booleans_codes_and_lists_are_shown_as_people_read_them():
    columns = (Column("Ngày (day)", "day", day), Column("Có? (flag)", "flag", yes_no),
               Column("Mã (code)", "code", labelled({"due": "đến hạn"})),
               Column("Các mục (items)", "items", each(labelled({"a": "A", "b": "B"}))))
    rows = [{"day": "2026-06-30", "flag": True, "code": "due", "items": ["a", "b"]},
            {"day": date(2026, 2, 1), "flag": False, "code": "unheard_of", "items": []},
            {"day": None, "flag": None, "code": None, "items": None}]
    assert to_csv(columns, rows) == ("\ufeffNgày (day),Có? (flag),Mã (code),Các mục (items)\r\n"
                                     "30/06/2026,Có,đến hạn,A; B\r\n01/02/2026,Không,unheard_of,\r\n,,,\r\n")


def test_a_bad_field_is_named_as_the_url_names_it_in_both_languages():
    def fetch():
        raise ValidationFailed({"commune_code": ["Missing data for required field."]})

    status, headers, body = csv_response(fetch, (), "x.csv", {"commune_code": "commune"})
    assert (status, headers["Content-Type"], body) == (
        400, "text/plain; charset=utf-8", "commune: Thiếu tham số bắt buộc / this parameter is required")


def test_every_vaccine_has_the_cards_label_and_it_is_the_catalogues():
    catalogue = yaml.safe_load(CATALOGUE.read_text("utf-8"))
    family = next(i for i in catalogue["indicators"] if i.get("family") == "epi_coverage")
    assert card_labels() == {antigen: names[0] for antigen, names in family["labels"]["antigen"].items()}
    assert set(schedule().antigens()) <= set(card_labels())


def test_every_code_a_list_shows_has_a_vietnamese_label():
    assert set(labels("level")) == set(LEVELS)
    assert set(labels("end_reason")) == set(end_reasons())
    assert set(labels("age_exception")) == set(exceptions())
    assert {c.header.split(" (")[1][:-1] for c in (*DUE, *ROSTER)} >= {"full_name", "carer_name", "village"}


def test_a_name_typed_as_a_formula_is_written_as_text_a_spreadsheet_never_runs():
    columns = (Column("Họ tên (full_name)", "full_name"), Column("Số ngày (days)", "days"))
    rows = [{"full_name": '=HYPERLINK("http://x","a")', "days": -5},
            {"full_name": "+cmd|' /C calc'!A0", "days": 12}, {"full_name": "@SUM(1)", "days": 0},
            {"full_name": "-Lò Thị A", "days": None}, {"full_name": "Lò Văn B", "days": 3}]
    assert to_csv(columns, rows).split("\r\n")[1:] == [
        '"\'=HYPERLINK(""http://x"",""a"")",-5', "'+cmd|' /C calc'!A0,12", "'@SUM(1),0", "'-Lò Thị A,",
        "Lò Văn B,3", ""]
