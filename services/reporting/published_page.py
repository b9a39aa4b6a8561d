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
from typing import Any

from markupsafe import Markup

from services.reporting.catalogue import catalogue
from services.reporting.http_views import HTML, JSON
from services.reporting.report_page import (
    STYLE,
    VIETNAM_TIME,
    render_error,
    render_refusal,
    render_report,
    templates,
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

FORMATS = ("json", "html")
VIEWS = {"published": "số liệu khi công bố / as published", "now": "số liệu hiện nay / as now",
         "diff": "thay đổi / what changed"}
BODY_TAG = re.compile(r"<body[^>]*>")
NOTE_STYLE = ("tr.changed{background:#fff3cd}"
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
    """The view asked; a 400 naming ``format`` or ``view`` in both languages with the allowed values."""
    errors = {}
    if (shape := args.get("format", "json")) not in FORMATS:
        errors["format"] = [f"Định dạng phải là json hoặc html / format must be one of: {', '.join(FORMATS)} "
                            f"(nhận được / got {shape!r})"]
    view = args.get("view", "published")
    if view not in VIEWS:
        allowed = ", ".join(f"{name} ({label})" for name, label in VIEWS.items())
        errors["view"] = [f"Chọn một trong / must be one of: {allowed} (nhận được / got {view!r})"]
    if errors:
        raise ValidationFailed(errors)
    return view


def refused(refusal: Exception, html: bool) -> tuple:
    status, headers = http_status(refusal), http_headers(refusal)
    if html:
        page = (render_error({"report_id": [f"Không có báo cáo đã công bố này / {refusal}"]}) if status == 404
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
    page = render_report(result[view], generated).replace("</style>", NOTE_STYLE + "</style>", 1)
    return BODY_TAG.sub(lambda tag: tag.group(0) + publication_note(result, view), page, count=1)


def publication_note(result: dict, view: str) -> str:
    at = datetime.fromisoformat(result["published_at"]).astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")
    return templates().get_template("published_note.html").render(result=result, view=view, views=VIEWS,
                                                                  at=at)


def diff_value(change: dict[str, Any]) -> str:
    difference, now = change["difference"], change["now"]
    if difference["value"] is None:
        return "—"
    if now["denominator"] is None:
        return f"{difference['value']:+,}".replace(",", ".")
    return f"{difference['value'] * 100:+.1f}".replace(".", ",") + " điểm % / points"


def diff_page(result: dict) -> str:
    listed = catalogue().by_id(datetime.fromisoformat(result["as_of"]).date())
    rows = [{"change": change, "difference": diff_value(change),
             "vi": listed[change["indicator"]].vi if change["indicator"] in listed else change["indicator"],
             "en": listed[change["indicator"]].en if change["indicator"] in listed else ""}
            for change in result["changes"]]
    period = result["period"]
    start, end = (datetime.fromisoformat(period[k]).strftime("%d/%m/%Y") for k in ("start", "end"))
    return templates().get_template("published_diff.html").render(
        title=f"{result['area_code']}: {start} – {end}", style=STYLE + NOTE_STYLE, result=result,
        note=Markup(publication_note(result, "diff")), rows=rows,
        changed=sum(c["changed"] for c in result["changes"]))
