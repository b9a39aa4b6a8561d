"""``python -m tools.generate_province --children N --seed S``: a synthetic province of realistic
shape (``tools.province``), as the sector RPC calls that record it, in order.

The province (``--province``, default 12: Lai Châu, whose communes were merged on 1 July 2025) keeps
its real communes on both maps; ``--communes K`` keeps only the first K communes of the 2025 map and
the legacy communes merged into them. ``--out FILE.jsonl`` writes one call a line (service, method,
record); ``--out-files DIR`` one file of records per kind, ``NN.SERVICE.METHOD.jsonl``, for
``python -m tools.load DIR/*.jsonl`` (the batch RPCs); ``--load AMQP_URI`` sends them through the
single RPCs of a running platform with a development token of the province (``tools.access``), then
prints what was refused. The summary (JSON, on stdout) counts the children and the registry figures
a report on ``--as-of`` must show.
"""

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from shared.rules.admin_units import admin_units
from tools.province import education_calls, health_calls, places, protection_calls, registry_calls
from tools.province.calls import Call, in_order
from tools.province.people import Child, children
from tools.province.summary import summary

AS_OF = date(2026, 6, 30)
SECTORS = (registry_calls, health_calls, education_calls, protection_calls)


@dataclass(frozen=True)
class Province:
    code: str
    seed: int
    as_of: date
    children: list[Child]
    calls: list[Call]  # in the order they reach the services

    def summary(self) -> dict[str, Any]:
        return {"province": self.code, "seed": self.seed, **summary(self.children, self.calls, self.as_of,
                                                                      admin_units())}


def generate(count: int, seed: int, province: str = "12", as_of: date = AS_OF,
             communes: int | None = None) -> Province:
    """The same province for the same arguments, call for call."""
    units = admin_units()
    kids = children(count, seed, province, places.places(units, province, seed, communes), as_of)
    prefix, made = f"gp{seed}", []
    for child in kids:
        rng = random.Random(f"{seed}/records/{child.n}")
        for sector in SECTORS:
            made += sector.calls(rng, child, prefix, as_of, units)
    return Province(province, seed, as_of, kids, in_order(made))


def write_lines(calls: list[Call], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for call in calls:
            out.write(json.dumps(call.line(), ensure_ascii=False) + "\n")


def write_files(calls: list[Call], folder: Path) -> list[Path]:
    """One JSON lines file of records per kind of call, as ``tools.load`` takes them:
    ``NN.SERVICE.METHOD.jsonl``, numbered in the order each kind first reaches its service."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds: dict[tuple[str, str], list[str]] = {}
    for call in calls:
        kinds.setdefault((call.service, call.method), []).append(json.dumps(call.record, ensure_ascii=False))
    paths = []
    for number, ((service, method), lines) in enumerate(kinds.items(), start=1):
        paths.append(folder / f"{number:02d}.{service}.{method}.jsonl")
        paths[-1].write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return paths


def load_through_rpcs(province: Province, amqp_uri: str) -> dict[str, int]:
    import eventlet

    eventlet.monkey_patch()
    from tools.province.loading import load, writers_proxy

    with writers_proxy(amqp_uri, [province.code], "generate_province", "load a generated province",
                       timeout=60) as rpc:
        return dict(load(rpc, province.calls))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--province", default="12")
    parser.add_argument("--communes", type=int, default=None, help="keep the first K communes (2025 map)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--out", type=Path, help="write the calls as JSON lines")
    parser.add_argument("--out-files", type=Path, metavar="DIR",
                        help="write one JSON lines file per kind of call, for python -m tools.load")
    parser.add_argument("--load", metavar="AMQP_URI", help="send the calls through a running platform")
    args = parser.parse_args(argv)
    province = generate(args.children, args.seed, args.province, args.as_of, args.communes)
    if args.out:
        write_lines(province.calls, args.out)
    if args.out_files:
        write_files(province.calls, args.out_files)
    report = province.summary()
    if args.load:
        report["loaded"] = load_through_rpcs(province, args.load)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
