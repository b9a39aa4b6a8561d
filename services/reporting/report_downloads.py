"""``GET /reports/<area>/<period>.xlsx`` and ``.csv``: the area's report for a period as a file to
download (``workbook``, ``report_csv``), with every commune of a district or province.

``<period>`` is a period spec (``2026``, ``2026-Q2``, ``2026-H1``, ``2026-06``, ``2025-2026``,
``plan:2021-2025``: ``periods``); ``?as_of=`` (dd/mm/yyyy or ISO) defaults to the period's last day,
or to today in Vietnam while the period is not over (the period then runs to that day); ``?by=``
adds breakdowns (``sex,age_band,...``; ``district`` a legacy province's districts). The figures are
the ``indicators`` RPC's, for the caller the token names (``Authorization: Bearer``): none or a bad
one is a 401, one without ``read:indicators`` or the area a 403. Bad input is a 400 whose JSON names
the URL's own parameters (``area``, ``period``, ``as_of``, ``by``) in Vietnamese and English.
"""

import json
import re
from collections.abc import Callable, Mapping
from datetime import date

from werkzeug.wrappers import Response

from services.reporting import periods, report_args, report_csv, workbook
from services.reporting.catalogue import Catalogue
from services.reporting.http_views import JSON
from shared.exceptions import Forbidden, Unauthenticated, ValidationFailed, http_headers, http_status
from shared.kit.url_args import url_date
from shared.rules import clock
from shared.rules.clock import utc_now

Indicators = Callable[..., dict]


def respond(args: Mapping[str, str], area: str, period: str, kind: str, indicators: Indicators,
            declared: Catalogue) -> Response:
    """``download``'s answer as a response object: nameko takes only text from a (status, headers,
    body) tuple, and a workbook is bytes."""
    status, headers, body = download(args, area, period, kind, indicators, declared)
    return Response(body, status=status, headers=headers)


def download(args: Mapping[str, str], area: str, period: str, kind: str, indicators: Indicators,
             declared: Catalogue) -> tuple:
    """The report as ``kind`` (``xlsx`` or ``csv``), or the 400/401/403 answer."""
    url = {**args, "area": area, "period": period}  # the path's parts named as the URL's parameters
    try:
        area, by = report_args.read_download(url)
        as_of = report_day(args, period)
        report = indicators(area, as_of, period, True, by)
    except ValidationFailed as error:
        errors = report_args.explained(error, url).errors
        return 400, JSON, json.dumps({"errors": errors}, ensure_ascii=False)
    except (Unauthenticated, Forbidden) as refusal:
        return http_status(refusal), {**JSON, **http_headers(refusal)}, json.dumps(
            {"error": type(refusal).__name__, "reason": str(refusal)}, ensure_ascii=False)
    if kind == "xlsx":
        content_type, body = workbook.CONTENT_TYPE, workbook.build(report, utc_now(), declared)
    else:
        content_type, body = report_csv.CONTENT_TYPE, report_csv.report_csv(report, declared).encode("utf-8")
    return 200, {"Content-Type": content_type,
                 "Content-Disposition": f'attachment; filename="{filename(area, period, kind)}"'}, body


def report_day(args: Mapping[str, str], period: str) -> str:
    """``as_of`` as asked, else the period's last day, or today (Vietnam) before the period ends; a
    400 naming ``period`` for a spec that is none, ``as_of`` for a day before the period starts."""
    try:
        start, end = periods.parse(period)
    except periods.BadPeriod as error:
        raise ValidationFailed({"period": [str(error)]}) from error
    asked = url_date(args, "as_of", required=False)
    as_of = date.fromisoformat(asked) if asked else min(end, clock.vietnam_today())
    if as_of < start:
        raise ValidationFailed({"as_of": [
            f"Ngày tính trước ngày đầu kỳ {start:%d/%m/%Y} / as_of is before the period starts "
            f"({start:%d/%m/%Y})"]})
    return as_of.isoformat()


def filename(area: str, period: str, kind: str) -> str:
    """``bao-cao-<area>-<period>.<kind>``, anything but letters, digits and ``-`` made ``-``."""
    return f"bao-cao-{re.sub(r'[^0-9A-Za-z-]', '-', area)}-{re.sub(r'[^0-9A-Za-z-]', '-', period)}.{kind}"
