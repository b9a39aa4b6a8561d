"""The generated province's reports as figures kept in a file (``tests/data/province_golden.json.gz``,
compressed: 1.7 MB of JSON):
written once from the report's exact queries before they were made fast, so the fast path is held to
them to the unit. Two dates, one on each map (the legacy map: by district and commune; the 2025 map:
by commune with every breakdown), and one commune's report on each. Run
``python -m tests.support.province_golden`` to write the file again (only from code known exact).
"""

import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bench.province_tables import build
from services.reporting.breakdowns import DIMENSIONS
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ReportingBase
from services.reporting.repository import ReportingRepository
from shared.plumbing.db import make_engine
from shared.rules.admin_units import admin_units
from tools.generate_province import generate

GOLDEN = Path(__file__).parent.parent / "data" / "province_golden.json.gz"
CHILDREN, SEED = 2000, 5
# (area, as_of, period start, places and breakdowns asked)
REPORTS = (
    ("12", date(2026, 6, 30), date(2026, 1, 1), ("commune", *DIMENSIONS)),
    ("12", date(2025, 3, 31), date(2024, 10, 1), ("district", "commune", "sex", "disability")),
    ("03388", date(2026, 6, 30), date(2026, 1, 1), ()),
    ("03388", date(2025, 3, 31), date(2024, 10, 1), ()),
)


def build_province(url: str) -> Session:
    """A session on fresh reporting tables of the generated province at ``url``."""
    engine = make_engine(url)
    ReportingBase.metadata.drop_all(engine)
    ReportingBase.metadata.create_all(engine)
    session = Session(engine)
    build(session, generate(CHILDREN, seed=SEED).calls, admin_units())
    return session


def reports(session: Session) -> dict[str, Any]:
    """Each report of ``REPORTS`` as JSON keeps it (without its freshness: a clock's reading)."""
    units, found = admin_units(), {}
    for code, as_of, start, by in REPORTS:
        report = compute_indicators(ReportingRepository(session), resolve_area(code, as_of, units), as_of,
                                    start, as_of, units, by=by)
        report.pop("freshness")
        found[f"{code}@{as_of}"] = json.loads(json.dumps(report, sort_keys=True))
    return found


def golden() -> dict[str, Any]:
    return json.loads(gzip.decompress(GOLDEN.read_bytes()))


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        session = build_province(f"sqlite:///{folder}/reporting.db")
        GOLDEN.parent.mkdir(exist_ok=True)
        text = json.dumps(reports(session), sort_keys=True, separators=(",", ":")) + "\n"
        GOLDEN.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
