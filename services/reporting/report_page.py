"""The indicator report as an HTML page a provincial officer can open, print or save.

Pure rendering of the ``indicators`` result: one table, Vietnamese labels with English beside them,
numerator, denominator and percentage. Every value from data is escaped.
"""

from html import escape
from typing import Any

LABELS = {
    "birth_registration_on_time": ("Trẻ sinh trong kỳ được đăng ký khai sinh đúng hạn (≤ 60 ngày)",
                                   "Births in the period registered on time (within 60 days)"),
    "under5_registered": ("Trẻ dưới 5 tuổi đã đăng ký khai sinh",
                          "Registered children under 5 (count)"),
    "under6_insurance_card_coverage": ("Trẻ dưới 6 tuổi có thẻ BHYT còn hạn",
                                       "Children under 6 with a valid health-insurance card"),
}
LEVELS = {"province": "Tỉnh / province", "district": "Huyện / district (bản đồ cũ, legacy map)",
          "commune": "Xã, phường / commune"}
STYLE = ("body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;"
         "width:100%}td,th{border:1px solid #999;padding:.4em .6em;text-align:left}"
         "td.n{text-align:right}small{color:#555}")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _row(key: str, figure: dict[str, Any]) -> str:
    vietnamese, english = LABELS.get(key, (key, ""))
    denominator = figure["denominator"]
    value = figure["value"] if denominator is not None else None
    shown = _percent(value) if denominator is not None else escape(str(figure["value"]))
    return (f"<tr><td>{escape(vietnamese)}<br><small>{escape(english)}</small></td>"
            f"<td class=n>{figure['numerator']}</td>"
            f"<td class=n>{'—' if denominator is None else denominator}</td>"
            f"<td class=n>{shown}</td></tr>")


def render_report(report: dict[str, Any]) -> str:
    area, period = report["area"], report["period"]
    title = f"{area.get('name') or area['code']} ({area['code']})"
    rows = "".join(_row(key, figure) for key, figure in report["indicators"].items())
    return (
        f"<!doctype html><html lang=vi><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{STYLE}</style><h1>Chỉ số chăm sóc trẻ em — {escape(title)}</h1>"
        f"<p>{escape(LEVELS.get(area['level'], area['level']))}; bản đồ hành chính / map: "
        f"{escape(area['map'])}. Ngày tính / as of: <b>{escape(report['as_of'])}</b>; kỳ / period: "
        f"{escape(period['start'])} – {escape(period['end'])}.</p>"
        "<table><tr><th>Chỉ số / indicator</th><th>Tử số / numerator</th>"
        f"<th>Mẫu số / denominator</th><th>Tỷ lệ / value</th></tr>{rows}</table>"
        "<p><small>Quyết định 1437/QĐ-TTg. Trẻ được tính theo nơi cư trú mới nhất / children are "
        "placed by their latest residence.</small></p></html>"
    )
