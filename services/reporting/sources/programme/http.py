"""``GET /programme/form`` and ``POST /programme``: query-string or body in, HTML or JSON out.

The form needs a token that may write programme figures for the commune (``Authorization:
Bearer``). A post is a form (``application/x-www-form-urlencoded``) or a CSV file (``text/csv``, or
``multipart/form-data`` with the file as ``file``); each commune-and-period record is stored or
refused on its own, and the answer lists every row: stored (its version, or unchanged) or refused
(the typed error and the fields at fault). JSON unless ``format=html``. A token that is missing or
may not write is a 401 or 403 before anything is read; a body that cannot be read is a 400.
"""

import json
from collections.abc import Callable
from typing import Any

from services.reporting.http_views import HTML, JSON
from services.reporting.sources.programme import page, upload
from shared.exceptions import (
    Conflict,
    Forbidden,
    NotFound,
    PlatformError,
    Unauthenticated,
    ValidationFailed,
    http_headers,
    http_status,
)

JUDGED = (ValidationFailed, Forbidden, Conflict, NotFound)


def _errors(error: PlatformError) -> dict[str, list[str]]:
    """A refused record's fields at fault: a validation's own, the commune for an area refused, the
    record id for a conflict."""
    if isinstance(error, ValidationFailed):
        return error.errors
    return {"commune_code" if isinstance(error, Forbidden) else "record_id": [str(error)]}


def problem(error: PlatformError, html: bool) -> tuple:
    status = http_status(error)
    errors = error.errors if isinstance(error, ValidationFailed) else {"token": [str(error)]}
    if html:
        return status, {**HTML, **http_headers(error)}, page.render_problem(status, errors)
    body = {"errors": errors} if status == 400 else {"error": type(error).__name__, "reason": str(error)}
    return status, {**JSON, **http_headers(error)}, json.dumps(body, ensure_ascii=False)


def form_response(args: Any, form: Callable[[str, str], tuple[dict, str, dict[str, int]]],
                  new_id: Callable[[], str]) -> tuple:
    """The form for ``commune`` and ``period`` (``form`` checks the caller and reads what is stored)."""
    try:
        commune, period, current = form(args.get("commune", ""), args.get("period", ""))
    except (ValidationFailed, Unauthenticated, Forbidden) as error:
        return problem(error, html=True)
    return 200, HTML, page.render_form(commune, period, current, new_id())


def groups_of(request: Any) -> list[upload.Group]:
    kind = request.mimetype
    if kind == "application/x-www-form-urlencoded":
        return upload.from_form(request.form)
    if kind == "multipart/form-data" and "file" in request.files:
        return upload.from_csv(request.files["file"].read().decode("utf-8-sig", errors="replace"))
    if kind in ("text/csv", "text/plain"):
        return upload.from_csv(request.get_data().decode("utf-8-sig", errors="replace"))
    raise ValidationFailed({"Content-Type": ["Send a form, a CSV body (text/csv) or a CSV file named "
                                             "'file' in multipart/form-data."]})


def outcomes(group: upload.Group, record: Callable[[dict], dict]) -> tuple[list[dict], list[dict]]:
    """Store one group: its rows as stored, or all of them refused with the group's errors."""
    data = group.record()
    try:
        twice = group.twice()
        if twice:
            raise ValidationFailed(twice)
        answer = record(data)
    except JUDGED as error:
        return [], [{**_place(group, row, figure, value), "error": type(error).__name__,
                     "errors": _errors(error)} for row, figure, value in group.rows]
    return [{**_place(group, row, figure, value), "record_id": answer["record_id"],
             **({"unchanged": True} if figure in answer["unchanged"] else answer["stored"][figure])}
            for row, figure, value in group.rows], []


def _place(group: upload.Group, row: int | None, figure: str, value: Any) -> dict[str, Any]:
    return {"row": row, "commune_code": group.commune, "period": group.period, "figure": figure,
            "value": value}


def post_response(request: Any, authorise: Callable[[], None], record: Callable[[dict], dict]) -> tuple:
    html = request.form.get("format") == "html" if request.mimetype != "text/csv" else False
    try:
        authorise()
        groups = groups_of(request)
    except (ValidationFailed, Unauthenticated, Forbidden) as error:
        return problem(error, html)
    answer: dict[str, list[dict]] = {"stored": [], "refused": []}
    for group in groups:
        stored, refused = outcomes(group, record)
        answer["stored"] += stored
        answer["refused"] += refused
    if html:
        return 200, HTML, page.render_answer(answer)
    return 200, JSON, json.dumps(answer, ensure_ascii=False)
