"""The report's query string read as people type it, and every error said the way the URL says it.

``read(args)`` checks ``area`` (a 2-digit province, 3-digit legacy district or 5-digit commune
code), ``as_of`` (dd/mm/yyyy or ISO: ``url_args.url_date``), ``period`` (a spec ``periods`` reads)
or ``period_start``/``period_end`` (dates), ``by`` (``breakdowns.BY_CHOICES``) and ``format``, and
answers every field at fault at once, each in Vietnamese then English with what was expected.
``read_download`` checks a download's (``/reports/<area>/<period>.xlsx``) the same way.
``explained(error, args)`` does the same for what the RPC refuses after that (an unknown area, a
period ending after ``as_of``): the RPC's field names become the URL's (``area_code`` → ``area``,
``period.end`` → ``period_end`` or ``period``) and each message gets its Vietnamese.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from services.reporting import periods
from services.reporting.breakdowns import BY_CHOICES
from shared.exceptions import ValidationFailed
from shared.kit import vn_format
from shared.kit.url_args import MISSING, renamed, url_date

FORMATS = ("json", "html")
AREA_EXPECTED = ("cần mã tỉnh 2 chữ số, mã huyện 3 chữ số (bản đồ trước 1/7/2025) hoặc mã xã, phường "
                 "5 chữ số, ví dụ 12 hoặc 03388",
                 "expected a 2-digit province, 3-digit legacy district or 5-digit commune code, "
                 "e.g. 12 or 03388")
PERIOD_FORMS_VI = ("YYYY-MM (tháng)", "YYYY-Qn (quý, n 1-4)", "YYYY-Hn (nửa năm, n 1-2)", "YYYY (năm)",
                   "YYYY-YYYY (năm học)", "plan:YYYY-YYYY (kỳ kế hoạch)")
PERIOD_EXPECTED = (f"cần một trong: {', '.join(PERIOD_FORMS_VI)}", periods.EXPECTED)
BY_VI = {"commune": "theo xã, phường", "district": "theo huyện (bản đồ cũ)", "sex": "giới tính",
         "age_band": "nhóm tuổi", "ethnicity": "dân tộc", "poverty": "hộ nghèo", "disability": "khuyết tật"}
# What the RPC may still refuse once the URL is well formed: (pattern, Vietnamese from its groups).
KNOWN: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (re.compile(r"'(.*)' is no province, district or commune on the (\S+) map in force on (\S+)\.\Z"),
     lambda m: f"Không có tỉnh, huyện hay xã, phường mã '{m[1]}' trên bản đồ {m[2]} dùng vào ngày "
               f"{_day(m[3])}; {AREA_EXPECTED[0]}"),
    (re.compile(r"Must not be after as_of\.\Z"), lambda m: "Không được sau ngày tính (as_of)"),
    (re.compile(r"Must not be after the end of the period\.\Z"),
     lambda m: "Ngày đầu kỳ không được sau ngày cuối kỳ"),
    (re.compile(r"'district' breaks down a province on the legacy map only\.\Z"),
     lambda m: "'district' chỉ chia một tỉnh trên bản đồ trước 1/7/2025 (63 tỉnh)"),
    (re.compile(r"Must be between (\S+) and (\S+)\.\Z"),
     lambda m: f"Phải trong khoảng {_day(m[1])} – "
               f"{_day(m[2])}"),
)
ENGLISH_HINTS = {"area": AREA_EXPECTED[1]}


def _day(text: str) -> str:
    """An ISO date quoted in an RPC's message, as dd/mm/yyyy (anything else as it is)."""
    try:
        return vn_format.day(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class Query:
    area: str
    as_of: str
    period: dict[str, str] | str | None
    by: list[str]
    html: bool


def read(args: Mapping[str, str]) -> Query:
    """The query, or one ``ValidationFailed`` naming every URL parameter at fault."""
    errors: dict[str, list[str]] = {}
    area = _checked(errors, lambda: _area(args))
    as_of = _checked(errors, lambda: url_date(args, "as_of"))
    period = _checked(errors, lambda: _period(args))
    by = _checked(errors, lambda: _by(args))
    _checked(errors, lambda: _format(args))
    if errors:
        raise ValidationFailed(errors)
    return Query(area, as_of, period, by, args.get("format") == "html")


def read_download(args: Mapping[str, str]) -> tuple[str, list[str]]:
    """A download's ``area`` and ``period`` (from its path: ``/reports/<area>/<period>.xlsx``),
    ``by`` and an optional ``as_of``, every one at fault named at once, as ``read`` names them."""
    errors: dict[str, list[str]] = {}
    area = _checked(errors, lambda: _area(args))
    _checked(errors, lambda: _period(args))
    by = _checked(errors, lambda: _by(args))
    _checked(errors, lambda: url_date(args, "as_of", required=False))
    if errors:
        raise ValidationFailed(errors)
    return area, by


def _checked(errors: dict[str, list[str]], check: Callable[[], Any]) -> Any:
    try:
        return check()
    except ValidationFailed as error:
        for field, messages in error.errors.items():
            errors.setdefault(field, []).extend(messages)
        return None


def _got(value: str) -> str:
    return f"(nhận được / got {value!r})"


def _area(args: Mapping[str, str]) -> str:
    value = (args.get("area") or "").strip()
    if not value:
        raise ValidationFailed({"area": [f"{MISSING[0]}: {AREA_EXPECTED[0]} / {MISSING[1]}: "
                                         f"{AREA_EXPECTED[1]}"]})
    if not (value.isascii() and value.isdigit() and len(value) in (2, 3, 5)):
        raise ValidationFailed({"area": [f"Mã địa bàn không hợp lệ: {AREA_EXPECTED[0]} / not an area code: "
                                         f"{AREA_EXPECTED[1]} {_got(value)}"]})
    return value


def _period(args: Mapping[str, str]) -> dict[str, str] | str | None:
    spec = (args.get("period") or "").strip()
    if spec:
        try:
            periods.parse(spec)
        except periods.BadPeriod:
            raise ValidationFailed({"period": [f"Kỳ không hợp lệ: {PERIOD_EXPECTED[0]} / not a period: "
                                               f"{PERIOD_EXPECTED[1]} {_got(spec)}"]}) from None
        return spec
    errors: dict[str, list[str]] = {}
    bounds = {key: _checked(errors, lambda key=key: url_date(args, f"period_{key}", required=False))
              for key in ("start", "end")}
    if errors:
        raise ValidationFailed(errors)
    return {key: day for key, day in bounds.items() if day} or None


def _by(args: Mapping[str, str]) -> list[str]:
    by = [name.strip() for name in (args.get("by") or "").split(",") if name.strip()]
    unknown = [name for name in by if name not in BY_CHOICES]
    if unknown:
        allowed_vi = ", ".join(f"{name} ({BY_VI[name]})" for name in BY_CHOICES)
        raise ValidationFailed({"by": [f"Không có cách chia này: chọn trong {allowed_vi} / unknown "
                                       f"breakdown: must be among {', '.join(BY_CHOICES)} "
                                       f"{_got(', '.join(unknown))}"]})
    return by


def _format(args: Mapping[str, str]) -> None:
    value = args.get("format", "json")
    if value not in FORMATS:
        raise ValidationFailed({"format": [f"Định dạng phải là json hoặc html / format must be one of: "
                                           f"{', '.join(FORMATS)} {_got(value)}"]})


def explained(error: ValidationFailed, args: Mapping[str, str]) -> ValidationFailed:
    """The RPC's ``error`` named as the URL names its fields, each message in both languages."""
    spec = bool((args.get("period") or "").strip())
    names = {"area_code": "area", "by_commune": "by", "period": "period",
             "period.start": "period" if spec else "period_start",
             "period.end": "period" if spec else "period_end"}
    found = renamed(error, names)
    return ValidationFailed({field: [_both(field, message) for message in messages]
                             for field, messages in found.errors.items()})


def _both(field: str, message: str) -> str:
    if " / " in message:
        return message
    hint = f" ({ENGLISH_HINTS[field]})" if field in ENGLISH_HINTS else ""
    for pattern, vietnamese in KNOWN:
        if match := pattern.match(message):
            return f"{vietnamese(match)} / {message}{hint}"
    return f"Giá trị không hợp lệ / {message}{hint}"
