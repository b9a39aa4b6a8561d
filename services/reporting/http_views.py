"""``GET /indicators``: query-string in, JSON or an HTML page out, a 400 naming the URL's parameter.

``format=html`` gives the page an officer opens, prints or saves; an error then is an HTML page too,
so a browser never shows raw JSON. ``by=commune`` adds the per-commune breakdown (to the JSON and to
the page of a district or province), ``by=sex,age_band`` (a list) the breakdowns, ``by=district`` a
legacy province's districts. ``as_of`` is a date as dd/mm/yyyy or ISO; ``period=2026-Q2`` (a spec)
or ``period_start``/``period_end`` bound the period. Every error names the URL's own parameter
(``area``, never the RPC's ``area_code``) in Vietnamese and English with what was expected
(``report_args``), in JSON (``{"errors": {...}}``) and on the HTML error page alike. The caller's
token comes as ``Authorization: Bearer``: none or a bad one is a 401, one without the right or the
area a 403.
"""

import json
from collections.abc import Callable, Mapping

from services.reporting import report_args
from services.reporting.catalogue import Catalogue
from services.reporting.report_page import HTML, render_error, render_refusal, render_report
from shared.exceptions import Forbidden, Unauthenticated, ValidationFailed, http_headers, http_status
from shared.rules.clock import utc_now

JSON = {"Content-Type": "application/json"}
FORMATS = report_args.FORMATS


def indicators_response(args: Mapping[str, str], indicators: Callable[..., dict],
                        declared: Catalogue | None = None) -> tuple:
    html = args.get("format") == "html"
    try:
        query = report_args.read(args)
        try:
            report = indicators(query.area, query.as_of, query.period, False, query.by)
        except ValidationFailed as error:
            raise report_args.explained(error, args) from None
    except ValidationFailed as error:
        return bad_request(error, html)
    except (Unauthenticated, Forbidden) as refusal:
        return refused(refusal, html)
    if html:
        return 200, HTML, render_report(report, utc_now(), declared, query.by)
    return 200, JSON, json.dumps(report, ensure_ascii=False)


def bad_request(error: ValidationFailed, html: bool) -> tuple:
    if html:
        return 400, HTML, render_error(error.errors)
    return 400, JSON, json.dumps({"errors": error.errors}, ensure_ascii=False)


def refused(refusal: Exception, html: bool) -> tuple:
    status, headers = http_status(refusal), http_headers(refusal)
    if html:
        return status, {**HTML, **headers}, render_refusal(status, str(refusal))
    return status, {**JSON, **headers}, json.dumps(
        {"error": type(refusal).__name__, "reason": str(refusal)}, ensure_ascii=False)
