"""``make demo``: load the synthetic commune of ``tools.demo_commune`` into a running platform and say
whether the report gives its hand count.

It records the commune's births, cards, enrolments, vaccinations, measurements, checks and
protection records through each service's RPCs (a second run stores nothing new), walks one
referral from health to education and back (``tools.demo_referrals``), waits until reporting has
applied every event, asks for the commune's indicators on 30 June 2026 and prints one line per
checked figure (✓ or ✗, expected, got) and its verdict, one line per step of the referral loop (✓ or
✗, what it showed) and its verdict, the pages to open and the CSV files to download, at the
addresses the ``*_WEB_SERVER_ADDRESS`` variables give (as ``make run`` does). The exit status is 0
only when every figure matches and every step of the loop shows what it must, 1 otherwise (a figure
or a step differs, or a service stopped answering), and 2 when the platform is not there.
``--json`` prints the whole report instead of the summary. Every call carries a token for a demo
user of the province, signed with the development key ``make run`` trusts (``tools.access token``);
the links print it for the pages and CSV files.
"""

import argparse
import json
import os
import sys
import time
from typing import Any

from tools import demo_commune as commune
from tools import demo_referrals as referral_loop
from tools.access.tokens import dev_token
from tools.broker_check import broker_problem, unreachable
from tools.run_platform import DEFAULT_AMQP, address

RPC_TIMEOUT = 30
LOADERS = (("registry", commune.load), ("education", commune.load_education),
           ("health", commune.load_health), ("protection", commune.load_protection))
NOT_RUNNING = "The platform is not running: start `make run` first (in another terminal), then `make demo`."
DEMO_EVENTS = commune.ALL_EVENTS + referral_loop.EVENT_COUNT  # what reporting applies after a run
DEMO_ROLES = ["civil_registrar", "health_worker", "teacher", "protection_officer", "province_officer",
              "operator"]


def demo_token() -> str:
    """The demo user's token: every sector's writes and the officer's reads, in the demo province."""
    return dev_token("demo", DEMO_ROLES, [commune.PROVINCE], system="demo", purpose="make demo")


def proxy(config: dict, timeout: float) -> Any:
    from nameko.standalone.rpc import ClusterRpcProxy

    return ClusterRpcProxy(config, timeout=timeout, context_data={"authorization": demo_token()})


def wait_for_projection(reporting: Any, events: int, timeout: float = 30.0) -> dict:
    """Poll the other process until it has processed ``events`` events (or the timeout)."""
    deadline = time.monotonic() + timeout
    stats = reporting.view_stats()
    while stats["processed_events"] < events and time.monotonic() < deadline:
        time.sleep(0.2)
        stats = reporting.view_stats()
    return stats


def platform_problem(config: dict) -> str | None:
    """Why the demo cannot run (no broker, broker refusing us, services not started), or None."""
    from nameko.exceptions import RpcTimeout, UnknownService

    from shared.exceptions import Forbidden, Unauthenticated

    broker = broker_problem(config["AMQP_URI"])
    if broker:
        return f"{broker} {NOT_RUNNING}" if unreachable(broker) else broker
    service = "reporting"
    try:
        with proxy(config, timeout=5) as rpc:
            for service, _ in LOADERS:
                try:
                    getattr(rpc, service).events_since(0, 1)
                except Forbidden:
                    pass  # the log is for services only: refusing is answering
            service = "reporting"
            rpc.reporting.view_stats()
    except Unauthenticated as refusal:
        return (f"{service} refused the demo's token ({refusal}): `make run` and `make demo` must use "
                "the same var/access/ (ECD_ACCESS_DIR)")
    except UnknownService:
        return f"{NOT_RUNNING} (nothing serves {service})"
    except RpcTimeout:
        return f"{NOT_RUNNING} ({service} did not answer within 5 s)"
    return None


def base_url(service: str) -> str:
    host, port = address(service)
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"


def links() -> list[str]:
    """The pages to open and the CSV files to download, where ``make run`` serves them, with the
    command that signs a province officer's token for them."""
    page = f"{base_url('reporting')}/indicators?area={{}}&as_of={commune.DEMO_AS_OF}&format=html"
    auth = 'curl -H "Authorization: Bearer $TOKEN"'
    return [
        "Every page and file needs a token: sign one for a province officer (valid 1 hour) with",
        f"  export TOKEN=$(.venv/bin/python -m tools.access token --user officer --role province_officer "
        f"--area {commune.PROVINCE})",
        "Save the report page, then open the file in a browser:",
        f"  commune:  {auth} -o report.html '{page.format(commune.DEMO_AREA)}'",
        f"  province: {auth} -o province.html '{page.format(commune.PROVINCE)}&by=commune'   "
        "(one row per commune)",
        "Download as CSV:",
        f"  due vaccinations (health): {auth} -OJ '{base_url('health')}/due-vaccinations?commune_code="
        f"{commune.DEMO_AREA}&as_of={commune.DEMO_AS_OF}'",
        f"  school roster (education): {auth} -OJ '{base_url('education')}/school-roster?school_code="
        f"{commune.KINDERGARTEN}&school_year={commune.SCHOOL_YEAR}'",
    ]


def show(figure: dict | None) -> str:
    """``3/4 = 0.75``, ``6`` for a count, ``<5/9 = -`` for a share with no value."""
    if figure is None:
        return "missing"
    marks = figure.get("suppressed") or {}
    top, bottom = (marks.get(part, figure[part]) for part in ("numerator", "denominator"))
    if bottom is None:
        return str(top)
    value = "-" if figure["value"] is None else figure["value"]
    return f"{top}/{bottom} = {value}"


def summary(report: dict, stats: dict, loop: tuple[list, str | None]) -> tuple[list[str], bool]:
    """One line per checked figure and the verdict, the referral loop's steps (``loop``: as
    ``demo_referrals.walk`` returns them) and its verdict, and the addresses; and whether every
    figure matched and every step showed what it had to."""
    area, lines, wrong, total = report["area"], [], 0, 0
    lines.append(f"Demo commune {area['code']} {area['name']} ({area['parents'][0]['name']}) on "
                 f"{report['as_of']}, against the hand count in tools/demo_commune.py:")
    for sector, expected in commune.CHECKED.items():
        got = commune.figures(report["indicators"], expected)
        for key, figure in expected.items():
            ok = got[key] == figure
            total, wrong = total + 1, wrong + (not ok)
            lines.append(f"  {'✓' if ok else '✗'} {sector:<11} {key:<31} expected {show(figure):<14} "
                         f"got {show(got[key])}")
    if stats["processed_events"] < DEMO_EVENTS:
        lines.append(f"  reporting had applied {stats['processed_events']} of the demo's "
                     f"{DEMO_EVENTS} events when it was asked")
    if wrong and stats["processed_events"] > DEMO_EVENTS:
        lines.append(f"  reporting holds {stats['processed_events']} events, the demo made "
                     f"{DEMO_EVENTS}: records the demo did not make count too (for an empty "
                     "platform, stop `make run`, remove var/ and start it again)")
    lines.append(f"✓ All {total} figures match the hand count." if not wrong else
                 f"✗ {wrong} of {total} figures differ from the hand count (the ✗ lines above).")
    loop_lines, closed = referral_loop.lines(*loop)
    return [*lines, "", *loop_lines, "", *links()], not wrong and closed


def run(config: dict) -> tuple[dict, dict, tuple[list, str | None]] | str:
    """Load the commune through every sector, walk the referral loop, wait for reporting, and return
    its report and stats and the loop's steps; or which service stopped answering."""
    from nameko.exceptions import RpcTimeout

    service = "reporting"
    try:
        with proxy(config, timeout=RPC_TIMEOUT) as rpc:
            for service, loader in LOADERS:
                loader(getattr(rpc, service))
            service = "health or education (the referral loop)"
            loop = referral_loop.walk(rpc.health, rpc.education)
            service = "reporting"
            stats = wait_for_projection(rpc.reporting, DEMO_EVENTS)
            return rpc.reporting.indicators(commune.DEMO_AREA, commune.DEMO_AS_OF), stats, loop
    except RpcTimeout:
        return (f"{service} stopped answering (no reply within {RPC_TIMEOUT} s) while the demo was "
                "running: nothing was checked. See `make run`'s output for what it is doing.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON instead")
    args = parser.parse_args()
    import logging
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet's deprecation notice
        import eventlet

    eventlet.monkey_patch()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("amqp").setLevel(logging.ERROR)  # "Received method ... during closing channel"
    config = {"AMQP_URI": os.environ.get("AMQP_URI", DEFAULT_AMQP)}
    problem = platform_problem(config)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    result = run(config)
    if isinstance(result, str):
        print(result, file=sys.stderr)
        return 1
    report, stats, loop = result
    lines, matched = summary(report, stats, loop)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else "\n".join(lines))
    return 0 if matched else 1


if __name__ == "__main__":
    sys.exit(main())
