"""Load a small synthetic commune through the registry's and education's RPCs and print its indicators.

Thirteen children of Phường Đoàn Kết (Lai Châu; code 03388 on both maps), each written so that a
person can count the indicators by hand for 30 June 2026 (see ``EXPECTED``), three of them enrolled
in school year 2025-2026 (``ENROLMENTS``, ``EXPECTED_EDUCATION``). Run ``make demo`` against a running
platform (``make run``).
"""

import json
import os
import sys
import time
from typing import Any

DEMO_AS_OF = "2026-06-30"
DEMO_AREA = "03388"

# (n, sex, born, registered, card valid_to or None, extra) -- see the hand count in EXPECTED
CHILDREN: list[tuple[int, str, str, str, str | None, dict]] = [
    (1, "female", "2026-01-05", "2026-02-10", "2031-09-30", {}),  # on time (36 d), card
    (2, "male", "2026-02-01", "2026-05-01", "2031-09-30", {}),  # late (89 d), card
    (3, "female", "2026-03-15", "2026-04-20", None, {}),  # on time, no card
    (4, "male", "2026-05-20", "2026-06-10", "2032-05-31", {}),  # on time, card
    (5, "female", "2026-06-01", "2026-07-15", None, {}),  # registered after 30 June: not counted
    (6, "male", "2025-03-10", "2025-04-01", "2031-09-30", {}),  # under 5, card
    (7, "female", "2022-08-08", "2022-08-20", "2026-03-31", {}),  # under 5, card expired
    (8, "male", "2021-06-30", "2021-07-05", "2027-09-30", {}),  # turns 5 on 30 June: under 6 only
    (9, "female", "2020-07-01", "2020-07-02", None, {}),  # 5 years old: under 6, no card
    (10, "male", "2020-06-30", "2020-07-10", None, {}),  # turns 6 on 30 June: in neither
    (11, "female", "2024-09-09", "2024-09-30", None, {"died": "2026-01-15"}),
    (12, "male", "2026-04-04", "2026-04-30", None, {"moved_to": ("00004", "2026-05-15")}),
    (13, "female", "2025-10-10", "2025-10-20", "2031-09-30", {"voided": True}),
]

# Counted by hand from CHILDREN for area 03388 on 2026-06-30 (period 1 Jan - 30 Jun 2026):
# births in period registered by 30 June and living here: 1, 2, 3, 4 -> on time: 1, 3, 4;
# under 5 (born after 30 Jun 2021, alive, registered): 1, 2, 3, 4, 6, 7;
# under 6 (born after 30 Jun 2020): those six + 8, 9 -> valid card on 30 June: 1, 2, 4, 6, 8.
EXPECTED = {
    "birth_registration_on_time": {"numerator": 3, "denominator": 4, "value": 0.75},
    "under5_registered": {"numerator": 6, "denominator": None, "value": 6},
    "under6_insurance_card_coverage": {"numerator": 5, "denominator": 8, "value": 0.625},
}
EVENT_COUNT = 13 + 7 + 1 + 1 + 1  # births, cards, death, move, void

# (n, level, start) in school year 2025-2026, at the commune's schools
ENROLMENTS: list[tuple[int, str, str]] = [(6, "creche", "2025-09-05"), (8, "kindergarten", "2025-09-05"),
                                          (9, "kindergarten", "2025-09-05")]
# School year 2025-2026 on 30 June 2026: creche ages (3-36 months): 1, 2, 3, 6 -> enrolled 6;
# kindergarten by birth year (born 2020-2022): 7, 8, 9, 10 -> enrolled 8, 9; age 5 (born 2020): 9, 10
# -> enrolled 9; nobody born 2017-2019, so no grade-1 cohort and no school-age child.
EXPECTED_EDUCATION = {
    "creche_enrolment_3_36m": {"numerator": 1, "denominator": 4, "value": 0.25},
    "kindergarten_enrolment_3_5": {"numerator": 2, "denominator": 4, "value": 0.5},
    "preschool_enrolment_age5": {"numerator": 1, "denominator": 2, "value": 0.5},
    "grade1_entry_on_time": {"numerator": 0, "denominator": 0, "value": None},
    "inclusive_education_3_8": {"numerator": 0, "denominator": 0, "value": None},
    "out_of_school_6_8": {"numerator": 0, "denominator": 0, "value": None},
}
EDUCATION_EVENT_COUNT = len(ENROLMENTS)


def child_id(n: int, sex: str, born: str) -> str:
    year = int(born[:4])
    century_sex = (year // 100 - 19) * 2 + (1 if sex == "female" else 0)
    return f"012{century_sex}{year % 100:02d}{900000 + n:06d}"


def load(registry: Any) -> None:
    """Send every demo record to the registry (idempotent: a second run stores nothing new)."""
    for n, sex, born, registered, valid_to, extra in CHILDREN:
        cid = child_id(n, sex, born)
        registry.register_birth({
            "record_id": f"demo-birth-{n}", "child_id": cid, "full_name": f"Demo child {n}",
            "sex": sex, "date_of_birth": born, "registration_date": registered,
            "commune_code": DEMO_AREA, "ethnicity": "Thái", "household_poverty": "none"})
        if valid_to:
            registry.issue_insurance_card({
                "record_id": f"demo-card-{n}", "child_id": cid, "card_number": f"TE12{n:011d}",
                "issued_on": registered, "valid_to": valid_to})
        if "died" in extra:
            registry.record_death({"record_id": f"demo-death-{n}", "child_id": cid,
                                   "date_of_death": extra["died"]})
        if "moved_to" in extra:
            commune, moved_on = extra["moved_to"]
            registry.change_residence({"record_id": f"demo-move-{n}", "child_id": cid,
                                       "commune_code": commune, "moved_on": moved_on})
        if extra.get("voided"):
            registry.void_record(f"demo-birth-{n}", "registered twice (demo)")


def load_education(education: Any) -> None:
    """Send the demo's enrolments to education (idempotent, like ``load``)."""
    born = {n: (sex, day) for n, sex, day, *_ in CHILDREN}
    for n, level, start in ENROLMENTS:
        education.record_enrolment({
            "record_id": f"demo-enrol-{n}", "child_id": child_id(n, *born[n]),
            "school_code": f"{'NT' if level == 'creche' else 'MG'}-{DEMO_AREA}", "level": level,
            "school_year": "2025-2026", "start_date": start, "commune_code": DEMO_AREA})


def wait_for_projection(reporting: Any, events: int, timeout: float = 30.0) -> dict:
    """Poll the other process until it has processed ``events`` events (or the timeout)."""
    deadline = time.monotonic() + timeout
    stats = reporting.view_stats()
    while stats["processed_events"] < events and time.monotonic() < deadline:
        time.sleep(0.2)
        stats = reporting.view_stats()
    return stats


NOT_RUNNING = "The platform is not running: start `make run` first (in another terminal), then `make demo`."


def platform_problem(config: dict) -> str | None:
    """Why the demo cannot run (no broker, broker refusing us, services not started), found in
    seconds; or None."""
    from nameko.exceptions import RpcTimeout, UnknownService
    from nameko.standalone.rpc import ClusterRpcProxy

    from tools.broker_check import broker_problem, unreachable

    broker = broker_problem(config["AMQP_URI"])
    if broker:  # nothing listens, the login or the virtual host refused: never the password
        return f"{broker} {NOT_RUNNING}" if unreachable(broker) else broker
    try:
        with ClusterRpcProxy(config, timeout=5) as rpc:
            rpc.registry.events_since(0, 1)
            rpc.education.events_since(0, 1)
            rpc.reporting.view_stats()
    except (UnknownService, RpcTimeout) as error:
        return f"{NOT_RUNNING} ({type(error).__name__}: {error})"
    return None


def main() -> int:
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet's deprecation notice
        import eventlet

    eventlet.monkey_patch()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("amqp").setLevel(logging.ERROR)  # "Received method ... during closing channel"
    from nameko.standalone.rpc import ClusterRpcProxy

    config = {"AMQP_URI": os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")}
    problem = platform_problem(config)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    with ClusterRpcProxy(config, timeout=30) as rpc:
        load(rpc.registry)
        load_education(rpc.education)
        wait_for_projection(rpc.reporting, EVENT_COUNT + EDUCATION_EVENT_COUNT)
        report = rpc.reporting.indicators(DEMO_AREA, DEMO_AS_OF)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nopen: http://127.0.0.1:8000/indicators?area={DEMO_AREA}&as_of={DEMO_AS_OF}&format=html")
    counted = {**registry_figures(report["indicators"]), **education_figures(report["indicators"])}
    return 0 if counted == {**EXPECTED, **EXPECTED_EDUCATION} else 1


def registry_figures(indicators: dict) -> dict:
    """The hand count of the registry's indicators (births and cards)."""
    return {key: indicators.get(key) for key in EXPECTED}


def education_figures(indicators: dict) -> dict:
    """The hand count of the education indicators (school year 2025-2026)."""
    return {key: indicators.get(key) for key in EXPECTED_EDUCATION}


if __name__ == "__main__":
    sys.exit(main())
