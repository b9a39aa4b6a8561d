"""The programme-figures pages, drawn from templates (``templates/programme_*.html``): the form an
officer fills in for one commune and period (Vietnamese labels, English beside them, the current
values filled in), and the answer to a ``POST /programme`` sent from it: which figures were stored,
which were refused and why; and the page of a request that could not be read or was refused."""

from typing import Any

from services.reporting.report_page import templates
from shared.rules import programme

STYLE = ("body{font-family:sans-serif;margin:1.5em auto;max-width:50em;padding:0 .8em;color:#111}"
         "label{display:block;margin:.8em 0 .2em}small{color:#555}input,textarea{font-size:1em}"
         "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3em .5em}")
PROBLEMS = {400: "Không đọc được / could not be read", 401: "Cần đăng nhập / sign-in needed",
            403: "Không có quyền / not allowed"}


def render_form(commune: dict[str, str], period: str, current: dict[str, int], record_id: str) -> str:
    """The form for ``commune`` ({code, name, map}) and ``period``: one number per figure."""
    fields = [{"code": code, "vi": rule["vi"], "en": rule["en"], "max": rule["max"],
               "value": "" if current.get(code) is None else str(current[code])}
              for code, rule in programme.figures().items()]
    title = f"Số liệu chương trình / programme figures — {commune['name']} ({commune['code']}), {period}"
    return templates().get_template("programme_form.html").render(
        title=title, style=STYLE, commune=commune, period=period, record_id=record_id, fields=fields)


def _row(outcome: dict[str, Any]) -> dict[str, str]:
    where = "" if outcome.get("row") is None else f"{outcome['row']}: "
    what = f"{where}{outcome['commune_code']} {outcome['period']} {outcome['figure']} = {outcome['value']}"
    if "errors" in outcome:
        why = "; ".join(f"{k}: {' '.join(v)}" for k, v in sorted(outcome["errors"].items()))
        return {"what": what, "outcome": f"✗ {outcome['error']}: {why}"}
    done = ("không đổi / unchanged" if outcome.get("unchanged")
            else f"phiên bản / version {outcome['version']}")
    return {"what": what, "outcome": f"✓ {done}"}


def render_answer(answer: dict[str, Any]) -> str:
    return templates().get_template("programme_answer.html").render(
        title="Số liệu chương trình / programme figures", style=STYLE,
        stored=len(answer["stored"]), refused=len(answer["refused"]),
        rows=[_row(o) for o in answer["stored"] + answer["refused"]])


def render_problem(status: int, errors: dict[str, list[str]]) -> str:
    """A request that could not be read (400) or was refused (401, 403), naming what is at fault."""
    title = PROBLEMS.get(status, "Lỗi / error")
    return templates().get_template("problem.html").render(title=title, style=STYLE,
                                                           errors=sorted(errors.items()))
