"""One caller's ``register_birth`` against a bare nameko no-op RPC, in the same run, and where a single
write spends its time.

``python -m bench.single_write [--calls N] [--sqlite-only] [--profile sqlite|postgresql|none]``:
the registry (``bench.batch_writes.Registry``: in this process, its events drained by a sink queue)
and ``bench.noop_service`` run as nameko containers in this process, called one call at a time from
one ``ClusterRpcProxy`` each; so the ratio compares two RPCs that pay the same round trip and the
same process. ``--profile`` then runs ``--calls`` more births under cProfile (caller and service
share this thread) and prints the functions by cumulative time.

``python -m bench.single_write --end-to-end [--calls N] [--rounds R] [--sqlite-only]``: ``make
bench``'s figure C alone, as it measures it (``bench.endtoend``: registry, education and reporting
as processes of their own, births from one caller until reporting has applied them all), each
round beside a round of the no-op RPC process (``bench.run``'s baseline B); medians of ``R``
rounds. The shared machine is noisy: read the ratio, whose two sides alternate.
"""

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench.batch_writes import AMQP_URI, Registry, births, registry_databases  # noqa: E402
from bench.noop_service import NoopService  # noqa: E402
from tests.support.factories import make_birth_envelope  # noqa: E402


def noop_rate(calls: int) -> float:
    container = ServiceContainer(NoopService, {"AMQP_URI": AMQP_URI})
    container.start()
    payload = make_birth_envelope()
    try:
        with ClusterRpcProxy({"AMQP_URI": AMQP_URI}, timeout=60) as rpc:
            for _ in range(50):
                rpc.bench_noop.ping(payload)
            started = time.perf_counter()
            for _ in range(calls):
                rpc.bench_noop.ping(payload)
            return calls / (time.perf_counter() - started)
    finally:
        container.stop()


def birth_rate(registry: Registry, calls: int, tag: str) -> float:
    records = births(calls, tag)
    started = time.perf_counter()
    for record in records:
        registry.rpc.register_birth(record)
    return calls / (time.perf_counter() - started)


def profiled(registry: Registry, calls: int, lines: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    rate = birth_rate(registry, calls, "profiled")
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(25)
    return f"{calls} births under cProfile: {rate:.0f}/s\n{out.getvalue()}"


def measure(url: str, calls: int, profile: bool, lines: int) -> tuple[float, str]:
    with Registry(url) as registry:
        for record in births(50, "warm-up"):
            registry.rpc.register_birth(record)
        rate = birth_rate(registry, calls, "timed")
        return rate, profiled(registry, calls, lines) if profile else ""


def end_to_end(keys: list[str], calls: int, rounds: int) -> None:
    """Births from one caller through registry -> outbox -> broker -> reporting, against the no-op
    RPC process, alternating, in each configuration of ``keys``."""
    from bench import endtoend
    from bench.configs import CONFIGURATIONS
    from bench.run import noop_rpc_rate
    from bench.settings import CONFIG_BUDGET

    workdir = Path(tempfile.mkdtemp(prefix="ecd-single-write-"))
    for key in keys:
        folder = workdir / key
        folder.mkdir()
        outcome, budget = endtoend.Outcome(CONFIGURATIONS[key], folder), endtoend.Budget(CONFIG_BUDGET)
        noops = []
        with endtoend.running_platform(outcome.configuration, folder, budget):
            applied = endtoend.rate(outcome, budget, "births 1", "registry", "register_birth",
                                    endtoend.births(100, "warm-up"), 1, 0)
            outcome.rates.clear()
            answered = []
            for round_ in range(rounds):
                noops.append(noop_rpc_rate(workdir))
                applied, answered_rate = one_round(outcome, budget, calls, f"round-{round_}", applied)
                answered.append(answered_rate)
        births_rate, noop = statistics.median(outcome.rates["births 1"]), statistics.median(noops)
        print(f"{key}: register_birth -> reporting, 1 caller {births_rate:.0f} births/s "
              f"({listed(outcome.rates['births 1'])}; answered alone {listed(answered)}); no-op RPC "
              f"{noop:.0f} calls/s ({listed(noops)}); ratio {births_rate / noop:.2f}", flush=True)


def one_round(outcome, budget, calls: int, tag: str, applied: int) -> tuple[int, float]:
    """``bench.endtoend.rate`` for births from 1 caller, also timing the calls alone (until the
    last answer, not until reporting has applied them): which side holds the figure back."""
    from bench import endtoend
    from bench.calls import send

    records = endtoend.births(calls, tag)
    started = time.perf_counter()
    tally = send(endtoend.RPC, "registry", "register_birth", records, 1, budget.deadline, 60)
    answered = calls / (time.perf_counter() - started)
    endtoend.require_complete(tally, "births 1")
    applied = endtoend.await_reporting(applied, calls, budget, "births 1")
    outcome.rates.setdefault("births 1", []).append(calls / (time.perf_counter() - started))
    return applied, answered


def listed(rates: list[float]) -> str:
    return ", ".join(f"{rate:.0f}" for rate in rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--profile", choices=("sqlite", "postgresql", "none"), default="none")
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--end-to-end", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.end_to_end:
        end_to_end(["sqlite"] if args.sqlite_only else ["sqlite", "postgresql"], args.calls, args.rounds)
        return
    with registry_databases(args.sqlite_only) as urls:
        for backend, url in urls.items():
            noop = noop_rate(args.calls)
            rate, profile = measure(url, args.calls, args.profile == backend, args.lines)
            print(f"{backend}: register_birth {rate:.0f} births/s, no-op RPC {noop:.0f} calls/s, "
                  f"ratio {rate / noop:.2f}", flush=True)
            if profile:
                print(profile, flush=True)


if __name__ == "__main__":
    main()
