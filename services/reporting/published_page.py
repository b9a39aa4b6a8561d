"""``GET /reports/published/<report_id>``: a published report as published, as now, or what changed.

``view=published`` (the default) is the snapshot, ``view=now`` the report recomputed now for the same
area, period and as-of date, ``view=diff`` each indicator's published and current figures and their
difference. JSON by default; ``format=html`` gives the report page (``report_page.render_report``)
under a note saying which report, which version, who published it and when, or for the diff a small
table of its own with the changed rows marked. Bad input is a 400 naming the field, no token a 401,
a report outside the caller's areas a 403, an unknown one a 404 (as pages too with ``format=html``).
"""

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from html import escape
from typing import Any

from services.reporting.report_page import (
    LABELS,
    VIETNAM_TIME,
    render_error,
    render_refusal,
    render_report,
    vn_date,
    vn_number,
    vn_percent,
)
from shared.exceptions import (
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
    http_headers,
    http_status,
)
from shared.rules.clock import utc_now

JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
FORMATS = ("json", "html")
VIEWS = {"published": "số liệu khi công bố / as published", "now": "số liệu hiện nay / as now",
         "diff": "thay đổi / what changed"}
BODY_TAG = re.compile(r"<body[^>]*>")
STYLE = ("body{font-family:sans-serif;margin:1.5em auto;max-width:60em;padding:0 .8em}"
         "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.35em .5em}"
         "td.n{text-align:right;white-space:nowrap}tr.changed{background:#fff3cd}"
         ".published{border:1px solid #999;background:#f4f4f4;padding:.5em .8em}")


def published_response(args: Mapping[str, str], report_id: str, read: Callable[..., dict]) -> tuple:
    html = args.get("format") == "html"
    try:
        view = checked_view(args)
        result = read(report_id, None if view == "published" else "now")
    except ValidationFailed as error:
        if html:
            return 400, HTML, render_error(error.errors)
        return 400, JSON, json.dumps({"errors": error.errors}, ensure_ascii=False)
    except (Unauthenticated, Forbidden, NotFound) as refusal:
        return refused(refusal, html)
    if html:
        return 200, HTML, render_view(result, view)
    return 200, JSON, json.dumps(json_view(result, view), ensure_ascii=False)


def checked_view(args: Mapping[str, str]) -> str:
    if args.get("format", "json") not in FORMATS:
        raise ValidationFailed({"format": [f"Must be one of: {', '.join(FORMATS)}."]})
    view = args.get("view", "published")
    if view not in VIEWS:
        raise ValidationFailed({"view": [f"Must be one of: {', '.join(VIEWS)}."]})
    return view


def refused(refusal: Exception, html: bool) -> tuple:
    status, headers = http_status(refusal), http_headers(refusal)
    if html:
        page = (render_error({"report_id": [str(refusal)]}) if status == 404
                else render_refusal(status, str(refusal)))
        return status, {**HTML, **headers}, page
    return status, {**JSON, **headers}, json.dumps(
        {"error": type(refusal).__name__, "reason": str(refusal)}, ensure_ascii=False)


def json_view(result: dict, view: str) -> dict:
    about = {key: value for key, value in result.items() if key not in ("published", "now", "changes")}
    if view == "diff":
        return {**about, "changes": result["changes"]}
    return {**about, "report": result[view]}


def render_view(result: dict, view: str) -> str:
    if view == "diff":
        return diff_page(result)
    generated = datetime.fromisoformat(result["published_at"]) if view == "published" else utc_now()
    page = render_report(result[view], generated)
    return BODY_TAG.sub(lambda tag: tag.group(0) + publication_note(result, view), page, count=1)


def publication_note(result: dict, view: str) -> str:
    by = result["published_by"]
    at = datetime.fromisoformat(result["published_at"]).astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")
    links = " · ".join(f"<a href=\"?view={name}&amp;format=html\">{escape(label)}</a>"
                       for name, label in VIEWS.items() if name != view)
    return (f"<p class=published><b>Báo cáo đã công bố / published report</b> "
            f"{escape(result['report_id'])}, phiên bản / version {result['version']}; công bố bởi / "
            f"published by {escape(by['user_id'])} ({escape(by['system'])}) lúc / at {at} (UTC+7).<br>"
            f"Đang xem / showing: <b>{escape(VIEWS[view])}</b>. Xem / see: {links}</p>")


def shown(figure: dict[str, Any]) -> str:
    value = figure["value"]
    if value is None or isinstance(value, str):
        return "—" if value is None else escape(value)
    return vn_number(value) if figure["denominator"] is None else vn_percent(value)


def diff_value(change: dict[str, Any]) -> str:
    difference, now = change["difference"], change["now"]
    if difference["value"] is None:
        return "—"
    if now["denominator"] is None:
        return f"{difference['value']:+,}".replace(",", ".")
    return f"{difference['value'] * 100:+.1f}".replace(".", ",") + " điểm % / points"


def diff_row(change: dict[str, Any]) -> str:
    key = change["indicator"]
    vi, en = LABELS.get(key, (key, ""))
    marked = " class=changed" if change["changed"] else ""
    return (f"<tr{marked}><td>{escape(vi)}<br><small>{escape(en)} ({escape(key)})</small></td>"
            f"<td class=n>{shown(change['published'])}</td><td class=n>{shown(change['now'])}</td>"
            f"<td class=n>{diff_value(change)}</td><td>{'có / yes' if change['changed'] else ''}</td></tr>")


def diff_page(result: dict) -> str:
    rows = "".join(diff_row(change) for change in result["changes"])
    changed = sum(c["changed"] for c in result["changes"])
    period = result["period"]
    title = f"{result['area_code']}: {vn_date(period['start'])} – {vn_date(period['end'])}"
    body = (f"{publication_note(result, 'diff')}<h1>Thay đổi từ khi công bố / changes since publication — "
            f"{escape(title)}</h1><p>Ngày tính / as of: {vn_date(result['as_of'])}. "
            f"{changed} chỉ số thay đổi / indicators changed (hồ sơ đến muộn hoặc được sửa, hủy / "
            "late, corrected or voided records).</p><table><thead><tr><th>Chỉ số / indicator</th>"
            "<th>Khi công bố / published</th><th>Hiện nay / now</th><th>Chênh lệch / difference</th>"
            f"<th>Thay đổi / changed</th></tr></thead><tbody>{rows}</tbody></table>")
    return ("<!doctype html><html lang=vi><head><meta charset=utf-8>"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")
