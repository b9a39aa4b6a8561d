"""Breakdowns by the children's attributes: the ethnic-group rule, a hidden count typed, and, over
random children on SQLite, every breakdown's groups adding up to the area's total where nothing is
suppressed."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.reporting import breakdowns, indicators, province_cells
from services.reporting.breakdowns import DIMENSIONS, typed
from services.reporting.catalogue import catalogue
from services.reporting.indicators import compute_indicators, resolve_area
from services.reporting.orm import ReportingBase
from services.reporting.repository import ReportingRepository
from services.reporting.sources.protection import indicators as protection_indicators
from services.reporting.use_cases import apply_event
from shared.contracts.events import make_envelope
from shared.exceptions import ValidationFailed
from shared.plumbing.metrics import service_metrics
from shared.rules.admin_units import admin_units
from shared.rules.breakdowns import ethnic_group
from tests.support.factories import make_birth_envelope, make_screening

AS_OF = date(2024, 12, 31)
COMMUNES = ("03388", "03386", "03391", "03433")  # Lai Châu: city (3), Phong Thổ, Mường Tè
ETHNICITIES = ("Kinh", "kinh", "KINH", "Thái", "H'Mông", "Dao", None)


@pytest.mark.parametrize("written, group", [("Kinh", "kinh"), (" kinh ", "kinh"), ("KINH", "kinh"),
                                            ("Việt", "kinh"), ("Kinh (Việt)", "kinh"), ("Thái", "minority"),
                                            ("H'Mông", "minority"), (None, "unknown"), ("  ", "unknown")])
def test_kinh_names_are_compared_case_insensitively_and_anything_else_is_a_minority(written, group):
    assert ethnic_group(written) == group


def test_a_hidden_count_is_none_and_named_under_suppressed_never_a_string_in_its_place():
    assert typed("<5", 12) == {"numerator": None, "denominator": 12, "value": None,
                               "suppressed": {"numerator": "<5"}}
    assert typed(3, "x") == {"numerator": 3, "denominator": None, "value": None,
                             "suppressed": {"denominator": "x"}}
    assert typed(6, 8) == {"numerator": 6, "denominator": 8, "value": 0.75}
    assert typed(7, None) == {"numerator": 7, "denominator": None, "value": 7}


def new_session() -> Session:
    engine = create_engine("sqlite://")
    ReportingBase.metadata.create_all(engine)
    return Session(engine)


def load_child(session: Session, child: dict) -> None:
    born = child["born"]
    envelope = make_birth_envelope(sex=child["sex"], date_of_birth=born.isoformat(),
                                   registration_date=(born + timedelta(days=child["delay"])).isoformat(),
                                   commune_code=child["commune"], ethnicity=child["ethnicity"],
                                   household_poverty=child["poverty"])
    apply_event(session, envelope, service_metrics("reporting"))
    if child["screened"]:
        screening = make_screening(envelope["child_id"], kind="disability", result=child["screened"],
                                   screened_on=date(2024, 10, 1), commune_code=child["commune"])
        payload = {k: v for k, v in screening.items() if k != "child_id"}
        apply_event(session, make_envelope("screening_recorded", "health", envelope["child_id"],
                                           child["commune"], date(2024, 10, 1), payload),
                    service_metrics("reporting"))


children = st.fixed_dictionaries({
    "sex": st.sampled_from(("male", "female")),
    "born": st.dates(date(2014, 6, 1), date(2024, 11, 30)),
    "delay": st.integers(0, 120),
    "commune": st.sampled_from(COMMUNES),
    "ethnicity": st.sampled_from(ETHNICITIES),
    "poverty": st.sampled_from(("poor", "near_poor", "none")),
    "screened": st.sampled_from((None, None, "normal", "confirmed")),
})


def assert_groups_add_up(report: dict) -> int:
    """Every breakdown's numerators and denominators add up to the total's where no group is hidden;
    the number of (dimension, figure) sums checked."""
    checked = 0
    for name, breakdown in report["breakdowns"].items():
        groups = breakdown["figures"]
        for indicator in groups[breakdown["groups"][0]]:
            parts = [groups[group][indicator] for group in breakdown["groups"]]
            if any("suppressed" in part for part in parts):
                continue
            total = report["indicators"][indicator]
            added = sum(p["numerator"] for p in parts)
            assert (name, indicator, added) == (name, indicator, total["numerator"])
            if total["denominator"] is not None:
                assert sum(p["denominator"] for p in parts) == total["denominator"]
            checked += 1
    return checked


def report_for(session: Session, area_code: str, by=DIMENSIONS) -> dict:
    units = admin_units()
    return compute_indicators(ReportingRepository(session), resolve_area(area_code, AS_OF, units), AS_OF,
                              date(2024, 1, 1), AS_OF, units, by=tuple(by))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(children, min_size=1, max_size=14))
def test_every_breakdown_adds_up_to_its_total_where_no_cell_is_suppressed(population):
    with new_session() as session:
        for child in population:
            load_child(session, child)
        for area in ("12", "03388"):
            report = report_for(session, area)
            assert set(report["breakdowns"]) == set(DIMENSIONS)
            assert assert_groups_add_up(report) >= 3 * 18  # the non-identifying ones are never hidden


def test_a_district_breakdown_is_refused_but_for_a_province_on_the_legacy_map():
    with new_session() as session, pytest.raises(ValidationFailed) as refused:
        report_for(session, "105", by=["district"])
    assert refused.value.errors == {"by": ["'district' breaks down a province on the legacy map only."]}


def test_a_figure_of_the_suppressed_table_breaks_down_through_it_exactly_when_no_group_is_small():
    with new_session() as session:
        for n in range(12):
            load_child(session, {"sex": ("male", "female")[n % 2], "born": date(2020, 1, 10 + n), "delay": 20,
                                 "commune": "03388", "ethnicity": "Kinh", "poverty": "none",
                                 "screened": "confirmed"})
        units, repo = admin_units(), ReportingRepository(session)
        area, start = resolve_area("105", AS_OF, units), date(2024, 1, 1)
        plain, sensitive = indicators.conditions(AS_OF, start, AS_OF), indicators.suppressed_conditions(
            AS_OF, start, AS_OF)
        protected = province_cells.province_table(
            repo, area, AS_OF, units, indicators.COLUMNS, sensitive,
            protection_indicators.case_conditions(AS_OF, start, AS_OF), protection_indicators.groups())
        hidden_before = set(protected.hidden)
        declared = catalogue().by_id(AS_OF)["screening_positive_disability"]
        screened = {"screening_positive_disability": (declared.numerator, declared.denominator)}
        request = breakdowns.Request(area, AS_OF, screened, plain, sensitive, protected, indicators.COLUMNS)
        found = breakdowns.break_down(repo, request, ["sex"], units)["sex"]["figures"]
    assert screened["screening_positive_disability"] == ("positive_disability", "screened_disability")
    assert {group: figures["screening_positive_disability"] for group, figures in found.items()} == {
        "male": {"numerator": 6, "denominator": 6, "value": 1.0},
        "female": {"numerator": 6, "denominator": 6, "value": 1.0},
        "unknown": {"numerator": 0, "denominator": 0, "value": None}}
    assert protected.hidden == hidden_before  # the report's own table is left as it was
