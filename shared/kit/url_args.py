"""A page's or list's query string read the way people type it, with errors they can act on.

Officers copy dates from the pages (``30/06/2026``), so a URL date is read as dd/mm/yyyy or as
yyyy-mm-dd and handed on as ISO. An error names the URL's own parameter (``area``, not the RPC's
``area_code``: ``renamed``) and says in Vietnamese and English what was expected (``bilingual``), so a
400 page or CSV answer tells the reader what to fix.
"""

from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlencode

from shared.exceptions import ValidationFailed

DATE_EXPECTED = ("Ngày không hợp lệ: dạng dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 30/06/2026",
                 "not a valid date: expected dd/mm/yyyy or yyyy-mm-dd, e.g. 30/06/2026")
MISSING = ("Thiếu tham số bắt buộc", "this parameter is required")
# marshmallow's messages, and the platform's common ones, in Vietnamese.
VIETNAMESE = {
    "Missing data for required field.": MISSING[0],
    "Not a valid date.": DATE_EXPECTED[0],
    "Field may not be null.": "Không được để trống",
    "Not a valid string.": "Không phải chuỗi ký tự hợp lệ",
    "Not a valid boolean.": "Không phải giá trị đúng/sai hợp lệ",
    "Shorter than minimum length 1.": "Không được để trống",
}
ENGLISH = {"Not a valid date.": DATE_EXPECTED[1], "Missing data for required field.": MISSING[1]}


def iso_date(value: str) -> str | None:
    """``value`` as an ISO date if it is dd/mm/yyyy or yyyy-mm-dd, else None."""
    text = value.strip()
    for shape in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, shape).date().isoformat()
        except ValueError:
            continue
    return None


def url_date(args: Mapping[str, str], name: str, required: bool = True) -> str | None:
    """The date ``args[name]`` as ISO; a 400 naming ``name`` when it is missing (and required) or
    not a date in either form."""
    value = (args.get(name) or "").strip()
    if not value:
        if required:
            raise ValidationFailed({name: [f"{MISSING[0]} / {MISSING[1]}"]})
        return None
    found = iso_date(value)
    if found is None or date.fromisoformat(found).year < 1900:
        got = f"(nhận được / got {value!r})"
        raise ValidationFailed({name: [f"{DATE_EXPECTED[0]} / {DATE_EXPECTED[1]} {got}"]})
    return found


def bilingual(message: str) -> str:
    """A message in Vietnamese and English; one already in both (it has `` / ``) as it is."""
    if message in VIETNAMESE:
        return f"{VIETNAMESE[message]} / {ENGLISH.get(message, message)}"
    return message


def renamed(error: ValidationFailed, names: Mapping[str, str]) -> ValidationFailed:
    """``error`` with each field named as the URL names it (``names``: RPC field -> URL parameter;
    a nested ``period.start`` follows ``period``) and each message in both languages."""
    fields: dict[str, list[str]] = {}
    for field, messages in error.errors.items():
        head, dot, rest = field.partition(".")
        shown = names.get(field) or (names.get(head, head) + dot + rest)
        fields.setdefault(shown, []).extend(bilingual(m) for m in messages)
    return ValidationFailed(fields)


def page_url(path: str, **query: str | None) -> str:
    """A link to one of the platform's pages: ``path`` and its query string, empty values left out."""
    given = {name: value for name, value in query.items() if value}
    return f"{path}?{urlencode(given)}" if given else path
