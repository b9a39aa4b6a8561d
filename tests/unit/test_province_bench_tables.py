"""The bench's reporting tables, built directly from a generated province with the service's
projections (``bench.province_tables``), give the report the generator's own counts."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from bench.province_tables import build
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ChildView, ReportingBase
from services.reporting.repository import ReportingRepository
from shared.plumbing.db import make_engine
from shared.rules.admin_units import admin_units
from tools.generate_province import generate

AS_OF = date(2026, 6, 30)
SHOWN = {"births": ("birth_registration_on_time", "denominator"),
         "births_on_time": ("birth_registration_on_time", "numerator"),
         "under5": ("under5_registered", "value"),
         "under6": ("under6_insurance_card_coverage", "denominator"),
         "under6_card": ("under6_insurance_card_coverage", "numerator")}


def shown(indicators: dict) -> dict[str, int]:
    return {name: indicators[key][part] for name, (key, part) in SHOWN.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    province = generate(600, seed=3, communes=4)
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('province')}/reporting.db")
    ReportingBase.metadata.create_all(engine)
    with Session(engine) as session:
        build(session, province.calls, admin_units())
        yield province, session
    engine.dispose()


def test_every_child_with_records_has_a_view_and_the_registered_ones_are_registered(built):
    province, session = built
    views = session.query(ChildView).all()
    registered = {c.child_id for c in province.children if c.registered_on and not c.duplicate}
    assert {v.child_id for v in views if v.registered} == registered


def test_the_province_report_by_commune_gives_the_generators_own_counts(built):
    province, session = built
    units = admin_units()
    report = compute_indicators(ReportingRepository(session), resolve_area("12", AS_OF, units), AS_OF,
                                date(2026, 1, 1), AS_OF, units, by_commune=True)
    expected = province.summary()["expected"]
    assert shown(report["indicators"]) == expected["province"]
    assert {c["code"]: shown(c["indicators"]) for c in report["communes"]
            if c["code"] in expected["communes"]} == expected["communes"]
    assert len(expected["communes"]) == 4
