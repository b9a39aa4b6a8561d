"""``GET /indicators``: query-string in, JSON or an HTML page out, a 400 naming the field on bad input.

``format=html`` gives the page an officer opens, prints or saves (with the per-commune table for a
district or province); an error then is an HTML page too, so a browser never shows raw JSON.
``by=commune`` adds the per-commune breakdown to the JSON; ``by=sex,age_band`` (a list) the
breakdowns, ``by=district`` a legacy province's districts. ``period=2026-Q2`` (a spec) or
``period_start``/``period_end`` bound the period. The caller's token comes as
``Authorization: Bearer``: none or a bad one is a 401, one without the right or the area a 403.
"""

import json
from collections.abc import Callable, Mapping

from services.reporting.catalogue import Catalogue
from services.reporting.report_page import render_error, render_refusal, render_report
from shared.exceptions import Forbidden, Unauthenticated, ValidationFailed, http_headers, http_status
from shared.rules.clock import utc_now

JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
FORMATS = ("json", "html")


def indicators_response(args: Mapping[str, str], indicators: Callable[..., dict],
                        declared: Catalogue | None = None) -> tuple:
    html = args.get("format") == "html"
    try:
        if args.get("format", "json") not in FORMATS:
            raise ValidationFailed({"format": [f"Must be one of: {', '.join(FORMATS)}."]})
        period = {key: args[f"period_{key}"] for key in ("start", "end") if f"period_{key}" in args}
        by = [name.strip() for name in args.get("by", "").split(",") if name.strip()]
        report = indicators(args.get("area", ""), args.get("as_of", ""), args.get("period") or period or None,
                            html, by)
    except ValidationFailed as error:
        if html:
            return 400, HTML, render_error(error.errors)
        return 400, JSON, json.dumps({"errors": error.errors}, ensure_ascii=False)
    except (Unauthenticated, Forbidden) as refusal:
        status, headers = http_status(refusal), http_headers(refusal)
        if html:
            return status, {**HTML, **headers}, render_refusal(status, str(refusal))
        return status, {**JSON, **headers}, json.dumps(
            {"error": type(refusal).__name__, "reason": str(refusal)}, ensure_ascii=False)
    if html:
        return 200, HTML, render_report(report, utc_now(), declared)
    return 200, JSON, json.dumps(report, ensure_ascii=False)
