"""The defaulter list as CSV for printing: one line per child and dose due, most overdue first, with
the child's name, carer and village as the registry gave them, dates dd/mm/yyyy, vaccines as the card
writes them and the status in Vietnamese (``shared.kit.csv_export``). ``as_of`` is read as people type
it (30/06/2026 or 2026-06-30); a bad one is a 400 naming ``as_of`` in Vietnamese and English."""

from collections.abc import Callable

from shared.kit.csv_export import CARER_AND_VILLAGE, CHILD, Column, csv_response, day, labelled
from shared.kit.url_args import iso_date, url_date
from shared.rules.epi import card_labels

STATUS = {"overdue": "quá hạn", "due": "đến hạn", "upcoming": "sắp đến hạn"}
COLUMNS = (
    *CHILD,
    *CARER_AND_VILLAGE,
    Column("Vắc xin (antigen)", "antigen", labelled(card_labels())),
    Column("Mũi (dose)", "dose"),
    Column("Hạn tiêm (due_on)", "due_on", day),
    Column("Số ngày quá hạn (days_overdue)", "days_overdue"),
    Column("Tình trạng (status)", "status", labelled(STATUS)),
)


def due_csv_response(args, due_vaccinations: Callable[[str, str], list[dict]]) -> tuple:
    commune = args.get("commune_code")

    def fetch() -> list[dict]:
        return due_vaccinations(commune, url_date(args, "as_of"))

    as_of = iso_date(args.get("as_of") or "")  # for the file's name only: fetch() checks it
    return csv_response(fetch, COLUMNS, f"due-vaccinations-{commune}-{as_of}.csv")
