"""The indicator report as an HTML page a provincial officer can open, print on A4 or read on a phone.

Pure rendering of the ``indicators`` result: the area and where it lies (the province of a commune),
the date and period in Vietnamese format (dd/mm/yyyy), one table of the indicators with numerator,
denominator and percentage (Vietnamese number format: 1.234 and 75,0 %), for a district or province
a table per commune, and when the page was generated (Vietnam time). Labels are Vietnamese with
English beside them (the referral figures', sectors' and reasons' from the data); a median shows
as days, and the referrals by sector pair or reason leave out the rows that are zero. Every value
that comes from data is escaped. ``render_error`` is the page for a query that could not be
answered, naming each field at fault.
"""

from datetime import date, datetime, timedelta, timezone
from html import escape
from typing import Any

from services.reporting.sources.protection.labels import protection_label
from services.reporting.sources.referrals.labels import is_breakdown, is_referral, referral_label

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
LABELS = {
    "birth_registration_on_time": ("Trẻ sinh trong kỳ được đăng ký khai sinh đúng hạn (≤ 60 ngày)",
                                   "Births in the period registered on time (within 60 days)"),
    "under5_registered": ("Trẻ dưới 5 tuổi đã đăng ký khai sinh",
                          "Registered children under 5 (count)"),
    "under6_insurance_card_coverage": ("Trẻ dưới 6 tuổi có thẻ BHYT còn hạn",
                                       "Children under 6 with a valid health-insurance card"),
    "fully_immunised_by_12m": ("Trẻ tròn 12 tháng trong kỳ được tiêm chủng đầy đủ (8 bệnh)",
                               "Children turning 12 months in the period, fully immunised by then"),
    "dtp_hepb_hib_dropout_1_to_3": ("Tỷ lệ bỏ mũi DPT-VGB-Hib 1 → 3", "Pentavalent dropout, dose 1 to 3"),
    "growth_monitoring_under5": ("Trẻ dưới 5 tuổi được cân đo trong kỳ",
                                 "Children under 5 measured in the period"),
    "health_check_3_8": ("Trẻ 3-8 tuổi được khám sức khỏe trong kỳ",
                         "Children aged 3-8 with a health check in the period"),
    **{f"{name}_{group}": (f"{vi} ({age})", f"{en}, {age_en}: latest valid measurement in the period")
       for name, vi, en in (
           ("stunting", "Suy dinh dưỡng thấp còi", "Stunting"),
           ("severe_stunting", "Thấp còi nặng", "Severe stunting"),
           ("underweight", "Suy dinh dưỡng nhẹ cân", "Underweight"),
           ("severe_underweight", "Nhẹ cân nặng", "Severe underweight"),
           ("wasting", "Suy dinh dưỡng gầy còm", "Wasting"),
           ("severe_wasting", "Gầy còm nặng", "Severe wasting"),
           ("thinness", "Gầy (BMI theo tuổi)", "Thinness"),
           ("severe_thinness", "Gầy nặng (BMI theo tuổi)", "Severe thinness"),
           ("overweight", "Thừa cân", "Overweight"),
           ("obesity", "Béo phì", "Obesity"))
       for group, age, age_en in (("under5", "dưới 5 tuổi", "under 5"), ("5_8", "5-8 tuổi", "5-8 years"))},
    "creche_enrolment_3_36m": ("Trẻ 3-36 tháng đi nhà trẻ", "Children aged 3-36 months in a creche"),
    "kindergarten_enrolment_3_5": ("Trẻ 3-5 tuổi đi học mẫu giáo (tính theo năm sinh)",
                                   "Children aged 3-5 (by birth year) in kindergarten"),
    "preschool_enrolment_age5": ("Trẻ 5 tuổi đi học mẫu giáo (phổ cập mầm non)",
                                 "Five-year-olds (by birth year) in kindergarten: universal preschool"),
    "grade1_entry_on_time": ("Trẻ vào lớp 1 đúng độ tuổi (sinh năm Y−6, vào lớp 1 năm học Y)",
                             "Children born in Y-6 who entered grade 1 in school year Y"),
    "inclusive_education_3_8": ("Trẻ khuyết tật 3-8 tuổi học hòa nhập",
                                "Children aged 3-8 with a disability in inclusive education"),
    "out_of_school_6_8": ("Trẻ 6-8 tuổi không đi học (tính theo năm sinh)",
                          "Children aged 6-8 (by birth year) not enrolled anywhere"),
    **{f"screening_positive_{kind}": (f"Sàng lọc {vi}: nghi ngờ hoặc xác định / số trẻ được sàng lọc",
                                      f"{kind.capitalize()} screening: suspected or confirmed / screened")
       for kind, vi in (("development", "phát triển"), ("hearing", "thính lực"), ("vision", "thị lực"),
                        ("disability", "khuyết tật"))},
}
SHORT_LABELS = {"birth_registration_on_time": "Khai sinh đúng hạn / on time",
                "under5_registered": "Dưới 5 tuổi / under 5",
                "under6_insurance_card_coverage": "Thẻ BHYT dưới 6 / card under 6",
                "fully_immunised_by_12m": "TCĐĐ / fully immunised",
                "growth_monitoring_under5": "Cân đo <5 / measured <5",
                "stunting_under5": "Thấp còi <5 / stunting <5",
                "preschool_enrolment_age5": "Mẫu giáo 5 tuổi / age 5 enrolled",
                "grade1_entry_on_time": "Lớp 1 đúng tuổi / grade 1 on time",
                "protection_cases_opened": "Vụ việc BVTE / protection cases",
                "referrals_sent": "Chuyển tuyến / referrals",
                "referrals_overdue": "Chuyển tuyến quá hạn / overdue referrals",
                "referral_network_coverage": "Mạng lưới kết nối / referral network"}
LEVELS = {"province": "Tỉnh / province", "district": "Huyện / district (bản đồ cũ, legacy map)",
          "commune": "Xã, phường / commune"}
MAPS = {"legacy": "trước 1/7/2025 (63 tỉnh) / legacy", "2025": "từ 1/7/2025 (34 tỉnh) / 2025"}
STYLE = (
    "body{font-family:sans-serif;margin:1.5em auto;max-width:60em;padding:0 .8em;color:#111}"
    "table{border-collapse:collapse;width:100%;margin:.8em 0}"
    "td,th{border:1px solid #999;padding:.35em .5em;text-align:left;vertical-align:top}"
    "th{background:#eee}td.n{text-align:right;white-space:nowrap}small{color:#555}"
    ".wide{overflow-x:auto}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.4em}"
    "@page{size:A4;margin:15mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}.wide{overflow:visible}"
    "thead{display:table-header-group}tr{break-inside:avoid}}"
)


def vn_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def vn_percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}".replace(".", ",") + " %"


def vn_decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def vn_date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _count(value: int | str | None) -> str:
    """A count, or the label of a suppressed one (``<5``), or a dash for none."""
    if value is None:
        return "—"
    return escape(value) if isinstance(value, str) else vn_number(value)


def _shown_value(figure: dict[str, Any]) -> str:
    """A count, a percentage, or days (a median: ``12,5 ngày``)."""
    value = figure["value"]
    if figure.get("unit") == "days":
        return "—" if value is None else f"{vn_decimal(value)} ngày / days"
    return _count(value) if figure["denominator"] is None else vn_percent(value)


def _cells(figure: dict[str, Any]) -> str:
    denominator, shown = figure["denominator"], _shown_value(figure)
    return (f"<td class=n>{_count(figure['numerator'])}</td>"
            f"<td class=n>{_count(denominator)}</td>"
            f"<td class=n>{shown}</td>")


def _label(key: str, figure: dict[str, Any] | None = None) -> tuple[str, str]:
    if key in LABELS:
        return LABELS[key]
    if key.startswith(("special_circumstances_", "protection_")):
        return protection_label(key)
    if is_referral(key):
        return referral_label(key, figure)
    if key.startswith("coverage_"):
        antigen, dose = key[len("coverage_"):].rsplit("_", 1)
        return (f"Tiêm chủng {antigen} mũi {dose} (theo tuổi đánh giá)", f"{antigen} dose {dose} coverage")
    return key, ""


def _indicator_table(indicators: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escape(_label(key, figure)[0])}<br>"
        f"<small>{escape(_label(key, figure)[1])}</small></td>{_cells(figure)}</tr>"
        for key, figure in indicators.items() if not (is_breakdown(key) and figure["numerator"] == 0))
    return ("<table><thead><tr><th>Chỉ số / indicator</th><th>Tử số / numerator</th>"
            f"<th>Mẫu số / denominator</th><th>Tỷ lệ / value</th></tr></thead><tbody>{rows}</tbody>"
            "</table>")


def _commune_table(communes: list[dict[str, Any]]) -> str:
    keys = [k for k in SHORT_LABELS if communes and k in communes[0]["indicators"]]
    head = "".join(f"<th colspan=3>{escape(SHORT_LABELS.get(k, k))}</th>" for k in keys)
    sub = "<th>tử / num.</th><th>mẫu / den.</th><th>%</th>" * len(keys)
    rows = "".join(
        f"<tr><td>{escape(c['name'] or '')} <small>({escape(c['code'])})</small></td>"
        + "".join(_cells(c["indicators"][k]) for k in keys) + "</tr>" for c in communes)
    return (f"<h2>Theo xã, phường / by commune ({len(communes)})</h2><div class=wide><table><thead>"
            f"<tr><th rowspan=2>Xã, phường / commune</th>{head}</tr><tr>{sub}</tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def _where(area: dict[str, Any]) -> str:
    parents = [f"{escape(p['name'] or p['code'])} ({escape(p['code'])})" for p in area.get("parents", [])]
    return f" — thuộc / in {', '.join(parents)}" if parents else ""


def _school_year(report: dict[str, Any]) -> str:
    year = report.get("school_year")
    return f"; năm học / school year: {escape(year)} (chỉ số giáo dục / education)" if year else ""


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=vi><head><meta charset=utf-8>"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")


def render_report(report: dict[str, Any], generated_at: datetime) -> str:
    area, period = report["area"], report["period"]
    title = f"{area.get('name') or area['code']} ({area['code']})"
    stamp = generated_at.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")
    communes = _commune_table(report["communes"]) if report.get("communes") else ""
    body = (
        f"<h1>Chỉ số chăm sóc trẻ em — {escape(title)}</h1>"
        f"<p>{escape(LEVELS.get(area['level'], area['level']))}{_where(area)}. "
        f"Bản đồ hành chính / map: {escape(MAPS.get(area['map'], area['map']))}.<br>"
        f"Ngày tính / as of: <b>{vn_date(report['as_of'])}</b>; kỳ / period: "
        f"{vn_date(period['start'])} – {vn_date(period['end'])}"
        f"{_school_year(report)}.</p>"
        f"{_indicator_table(report['indicators'])}{communes}"
        "<p><small>Quyết định 1437/QĐ-TTg. Trẻ được tính theo nơi cư trú vào ngày tính; thẻ BHYT "
        "được tính nếu còn hạn vào ngày tính / children are placed where they lived on the as-of "
        "date; a card counts if it was valid on that date.<br>"
        f"Lập lúc / generated at: {stamp} (giờ Việt Nam, UTC+7)</small></p>"
    )
    return _page(title, body)


REFUSAL_TITLES = {401: ("Cần đăng nhập / sign-in needed",
                        "Trang này cần mã truy cập (token) hợp lệ / this page needs a valid token"),
                  403: ("Không có quyền / not allowed",
                        "Mã truy cập không cho xem trang này / the token does not allow this page")}


def render_refusal(status: int, reason: str) -> str:
    """The page for a 401 or 403: what is missing, in Vietnamese and English, and why."""
    title, lead = REFUSAL_TITLES[status]
    body = (f"<h1>{escape(title)}</h1><p>{escape(lead)}.</p><p><small>{escape(reason)}</small></p>"
            "<p><small>Gửi kèm / send: <code>Authorization: Bearer &lt;token&gt;</code></small></p>")
    return _page(title, body)


def render_error(errors: dict[str, list[str]]) -> str:
    items = "".join(f"<li><b>{escape(field)}</b>: {escape(' '.join(messages))}</li>"
                    for field, messages in sorted(errors.items()))
    body = ("<h1>Không lập được báo cáo / the report could not be made</h1>"
            f"<p>Vui lòng sửa / please correct:</p><ul>{items}</ul>"
            "<p><small>Ví dụ / example: /indicators?area=12&amp;as_of=2026-06-30&amp;format=html"
            "</small></p>")
    return _page("Lỗi / error", body)
