"""Numbers and dates as Vietnamese readers write them, in one place for every page, list, workbook
and chart: ``1.234`` (a dot between thousands), ``12,5`` (a decimal comma), ``75,0 %`` and
``30/06/2026``; nothing (None) is a dash in a figure and an empty cell in a list."""

from datetime import date

DASH = "—"


def number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def decimal(value: float, places: int = 1) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def percent(value: float | None, places: int = 1) -> str:
    """A value already in percent (0-100): ``75,0 %``."""
    return DASH if value is None else f"{decimal(value, places)} %"


def share(value: float | None) -> str:
    """A share (0-1) in percent: 0.75 -> ``75,0 %``."""
    return DASH if value is None else percent(value * 100)


def day(value: date | str | None) -> str:
    """A date (or an ISO date as an RPC answers it) as dd/mm/yyyy; nothing as an empty text."""
    if value is None or value == "":
        return ""
    found = value if isinstance(value, date) else date.fromisoformat(value)
    return found.strftime("%d/%m/%Y")
