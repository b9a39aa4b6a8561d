"""The programme-figures pages: the form an officer fills in for one commune and period (Vietnamese
labels, English beside them, the current values filled in), and the answer to a ``POST /programme``
sent from it: which figures were stored, which were refused and why. Every value from data or input
is escaped."""

from html import escape
from typing import Any

from shared.rules import programme

STYLE = ("body{font-family:sans-serif;margin:1.5em auto;max-width:50em;padding:0 .8em;color:#111}"
         "label{display:block;margin:.8em 0 .2em}small{color:#555}input,textarea{font-size:1em}"
         "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3em .5em}")


def page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=vi><head><meta charset=utf-8>"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>")


def _field(code: str, rule: dict[str, Any], value: int | None) -> str:
    shown = "" if value is None else str(value)
    return (f"<label for={escape(code)}>{escape(rule['vi'])}<br><small>{escape(rule['en'])} "
            f"({escape(code)})</small></label><input type=number min=0 max={rule['max']} step=1 "
            f"id={escape(code)} name={escape(code)} value=\"{escape(shown)}\">")


def render_form(commune: dict[str, str], period: str, current: dict[str, int], record_id: str) -> str:
    """The form for ``commune`` ({code, name, map}) and ``period``: one number per figure."""
    fields = "".join(_field(code, rule, current.get(code)) for code, rule in programme.figures().items())
    title = f"Số liệu chương trình / programme figures — {commune['name']} ({commune['code']}), {period}"
    body = (f"<h1>{escape(title)}</h1>"
            "<p>Nhập số liệu tổng hợp của xã trong kỳ; ô để trống không thay đổi. Sửa một số đã nhập cần "
            "ghi lý do / enter the commune's totals for the period; an empty field changes nothing; "
            "correcting a stored value needs a reason.</p>"
            "<form method=post action=/programme>"
            f"<input type=hidden name=commune value=\"{escape(commune['code'])}\">"
            f"<input type=hidden name=period value=\"{escape(period)}\">"
            f"<input type=hidden name=record_id value=\"{escape(record_id)}\">"
            f"<input type=hidden name=format value=html>{fields}"
            "<label for=reason>Lý do sửa / reason for a correction</label>"
            "<textarea id=reason name=reason rows=2 cols=60 maxlength=500></textarea>"
            "<p><button type=submit>Lưu / save</button></p></form>"
            "<p><small>Gửi kèm / send: <code>Authorization: Bearer &lt;token&gt;</code>. Tải lên tệp CSV / "
            "or upload a CSV file: commune,period,figure,value[,reason].</small></p>")
    return page(title, body)


def _row(outcome: dict[str, Any]) -> str:
    where = "" if outcome.get("row") is None else f"{outcome['row']}: "
    what = f"{where}{outcome['commune_code']} {outcome['period']} {outcome['figure']} = {outcome['value']}"
    if "errors" in outcome:
        why = "; ".join(f"{k}: {' '.join(v)}" for k, v in sorted(outcome["errors"].items()))
        return f"<tr><td>{escape(what)}</td><td>✗ {escape(outcome['error'])}: {escape(why)}</td></tr>"
    done = ("không đổi / unchanged" if outcome.get("unchanged")
            else f"phiên bản / version {outcome['version']}")
    return f"<tr><td>{escape(what)}</td><td>✓ {escape(done)}</td></tr>"


def render_answer(answer: dict[str, Any]) -> str:
    rows = "".join(_row(o) for o in answer["stored"] + answer["refused"])
    body = (f"<h1>Đã lưu {len(answer['stored'])}, bị từ chối {len(answer['refused'])} / "
            f"stored {len(answer['stored'])}, refused {len(answer['refused'])}</h1>"
            f"<table><thead><tr><th>Số liệu / figure</th><th>Kết quả / outcome</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")
    return page("Số liệu chương trình / programme figures", body)


def render_problem(status: int, errors: dict[str, list[str]]) -> str:
    """A request that could not be read (400) or was refused (401, 403), naming what is at fault."""
    items = "".join(f"<li><b>{escape(k)}</b>: {escape(' '.join(v))}</li>" for k, v in sorted(errors.items()))
    title = {400: "Không đọc được / could not be read", 401: "Cần đăng nhập / sign-in needed",
             403: "Không có quyền / not allowed"}.get(status, "Lỗi / error")
    return page(title, f"<h1>{escape(title)}</h1><ul>{items}</ul>")
