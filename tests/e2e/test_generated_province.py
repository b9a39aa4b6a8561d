"""A small generated province (``tools.generate_province``: 40 children of one 2025 commune and the
legacy communes merged into it) loaded through every sector's RPCs of the running platform: every
call is accepted, and reporting shows the registry figures the generator's own summary counts, for
the province and the commune on the 2025 map and for the legacy communes on 30 June 2025."""

from datetime import date

import pytest

from shared.rules.admin_units import admin_units
from tests.support.identities import cluster_proxy
from tests.support.platform import platform_env, platform_running, sqlite_urls
from tests.support.processes import wait_until
from tools.generate_province import generate
from tools.province.loading import load
from tools.province.summary import FIGURES, expected_figures

pytestmark = pytest.mark.e2e
AREA_FIGURES = {"births": ("birth_registration_on_time", "denominator"),
                "births_on_time": ("birth_registration_on_time", "numerator"),
                "under5": ("under5_registered", "value"),
                "under6": ("under6_insurance_card_coverage", "denominator"),
                "under6_card": ("under6_insurance_card_coverage", "numerator")}


def shown(report: dict) -> dict[str, int]:
    """The registry figures of a report, named as the generator's summary names them."""
    return {name: report["indicators"][key][part] for name, (key, part) in AREA_FIGURES.items()}


def test_a_generated_province_loaded_through_the_rpcs_gives_the_generators_own_counts(clean_infra, tmp_path):
    province = generate(40, seed=5, communes=1)
    units, earlier = admin_units(), date(2025, 6, 30)
    now = province.summary()["expected"]
    then = expected_figures(province.children, province.calls, earlier, units)
    env = platform_env(clean_infra.amqp_uri, sqlite_urls(tmp_path))
    with platform_running(env, tmp_path / "run.log"):
        with cluster_proxy({"AMQP_URI": clean_infra.amqp_uri}, timeout=30) as rpc:
            outcome = load(rpc, province.calls)

            def report(area: str, as_of: date) -> dict[str, int]:
                return shown(rpc.reporting.indicators(area, as_of.isoformat()))

            wait_until(lambda: report("12", province.as_of) == now["province"], 30, "the province's figures")
            by_commune = {code: report(code, province.as_of) for code in now["communes"]}
            legacy = {code: report(code, earlier) for code in then["communes"]}
    assert dict(outcome) == {"ok": len(province.calls)}
    assert set(FIGURES) == set(AREA_FIGURES)
    assert list(now["communes"]) == ["03388"]
    assert by_commune == now["communes"]
    assert len(legacy) > 1 and legacy == then["communes"]
