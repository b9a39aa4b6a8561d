"""Reading ``POST /programme``: a form (one commune and period, one field per figure) or a CSV file
(``commune,period,figure,value`` rows, an optional ``reason`` column) into records to store.

Rows of one commune and period make one record, stored or refused together; its ``record_id`` is
the form's, or else a digest of its content, so sending the same file again answers the same and
stores nothing new. A value that is not a whole number is passed on as text, for the record's
validation to name it; a figure entered twice for one commune and period refuses the record here.
"""

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from shared.exceptions import ValidationFailed

FORM_FIELDS = ("commune", "period", "reason", "record_id", "format")
CSV_COLUMNS = ("commune", "period", "figure", "value")
WHOLE = re.compile(r"-?[0-9]{1,18}\Z")
ROWS_MAX = 20_000


@dataclass
class Group:
    """The rows of one commune and period: (row number or None for a form field, figure, value)."""

    commune: str
    period: str
    reason: str | None
    record_id: str | None = None
    rows: list[tuple[int | None, str, Any]] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        values = {figure: value for _, figure, value in self.rows}
        content = [self.commune, self.period, sorted(values.items()), self.reason]
        digest = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:40]
        return {"record_id": self.record_id or f"upload-{digest}", "commune_code": self.commune,
                "period": self.period, "values": values, "reason": self.reason}

    def twice(self) -> dict[str, list[str]]:
        """The figures entered more than once, naming their rows."""
        seen: dict[str, list[str]] = {}
        for row, figure, _ in self.rows:
            seen.setdefault(figure, []).append(str(row))
        return {f"values.{figure}": [f"Entered more than once for this commune and period (rows "
                                     f"{', '.join(rows)})."]
                for figure, rows in seen.items() if len(rows) > 1}


def number(text: str) -> int | str:
    text = text.strip()
    return int(text) if WHOLE.match(text) else text


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def from_form(form: Any) -> list[Group]:
    """One group from a form: each field that is not commune, period, reason, record_id or format
    names a figure; an empty one is left out."""
    group = Group(form.get("commune", "").strip(), form.get("period", "").strip(), _text(form.get("reason")),
                  _text(form.get("record_id")))
    group.rows = [(None, name, number(value)) for name, value in form.items(multi=True)
                  if name not in FORM_FIELDS and value.strip()]
    if not group.rows:
        raise ValidationFailed({"values": ["Enter at least one figure."]})
    return [group]


def from_csv(text: str) -> list[Group]:
    """Groups from CSV text with a header naming at least commune, period, figure and value."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed({"file": [f"The header must name the columns {', '.join(CSV_COLUMNS)} "
                                         f"(and may name reason); missing: {', '.join(missing)}."]})
    groups: dict[tuple[str, str], Group] = {}
    for row in reader:
        if reader.line_num > ROWS_MAX + 1:
            raise ValidationFailed({"file": [f"At most {ROWS_MAX} rows in one file."]})
        commune, period = (row["commune"] or "").strip(), (row["period"] or "").strip()
        group = groups.setdefault((commune, period), Group(commune, period, _text(row.get("reason"))))
        group.reason = group.reason or _text(row.get("reason"))
        group.rows.append((reader.line_num, (row["figure"] or "").strip(), number(row["value"] or "")))
    if not groups:
        raise ValidationFailed({"file": ["No rows under the header."]})
    return list(groups.values())
