"""Fellegi-Sunter m/u probabilities estimated from data, written into ``shared/rules/data/matching.yaml``.

``python -m tools.matching_weights --generated 4000 [--seed 18] [--write]`` estimates on a generated
set (``tools.newborns``); ``--input births.jsonl provisional.jsonl`` on real records (one JSON object a
line with ``shared.rules.matching.Person``'s fields, dates as ISO strings). The tool forms the blocked
candidate pairs as the registry will (each provisional child against the registered births of its
block, and provisional children against each other), gives each pair its comparison vector (one
column per field level, one-hot), and fits recordlinkage's ``ECMClassifier``: expectation-maximisation
without labels, which never sees who is whom. Its m (true pairs) and u (other pairs) probabilities of
each level are what ``shared.rules.matching.weight`` sums as log2(m/u). Without ``--write`` it prints.
"""

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from shared.rules import matching
from shared.rules.matching import Person

FLOOR = 1e-9
if TYPE_CHECKING:
    import pandas

DATA = Path(__file__).resolve().parent.parent / "shared" / "rules" / "data" / "matching.yaml"


def _by_commune(people: list[Person]) -> dict[str | None, list[Person]]:
    groups: dict[str | None, list[Person]] = defaultdict(list)
    for person in people:
        groups[person.commune_code].append(person)
    return groups


def blocked_pairs(births: list[Person], provisionals: list[Person]) -> Iterator[tuple[Person, list[Person]]]:
    """Each provisional child with its candidates: the registered births of its block, then the
    provisional children of its block recorded after it in ``provisionals`` (each such pair once)."""
    window = matching.blocking_window_days()
    births_in = _by_commune(births)
    order = {p.id: i for i, p in enumerate(provisionals)}
    provisionals_in = _by_commune(provisionals)
    for person in provisionals:
        near = [b for b in births_in[person.commune_code] if matching.in_block(person, b)]
        later = [p for p in provisionals_in[person.commune_code] if order[p.id] > order[person.id]
                 and abs((p.date_of_birth - person.date_of_birth).days) <= window]
        yield person, near + later


def comparison_vectors(births: list[Person], provisionals: list[Person]) -> list[dict[str, str]]:
    return [matching.compare(person, candidate)
            for person, candidates in blocked_pairs(births, provisionals) for candidate in candidates]


def _one_hot(vectors: list[dict[str, str]], levels: dict[str, list[str]]) -> "pandas.DataFrame":
    import pandas

    return pandas.DataFrame([{f"{name}={level}": int(vector[name] == level)
                              for name, field_levels in levels.items() for level in field_levels}
                             for vector in vectors])


def _at_least(frame: "pandas.DataFrame", levels: dict[str, list[str]], reference: set[str],
              ) -> "pandas.DataFrame":
    """One indicator per field and agreement level: the pair agrees at least that well."""
    import pandas

    columns = {}
    for name, field_levels in levels.items():
        running = 0
        for level in field_levels:
            if level in reference:
                break
            running = running + frame[f"{name}={level}"]
            if running.any() and not running.all():
                columns[f"{name}>={level}"] = running
    return pandas.DataFrame(columns)


def estimate(vectors: list[dict[str, str]]) -> dict[str, Any]:
    """The m and u probability of every level of every field, and the share of true pairs, by EM.

    recordlinkage's ECM reads each column as "1 agrees" (it starts every column at m 0.9, u 0.1), so
    it is fitted on "agrees at least this well" indicators of each field's agreement levels, the
    ``reference_levels`` (different, missing, a date merely inside the window) being all zeros.
    (Fitted on one-hot levels instead, whose columns exclude each other, EM settled on "exact date
    of birth" as the match class and gave a date three days off the weight of one two weeks off.)
    The m and u of every level, reference ones included, are then read from the fitted posterior:
    m = its share among pairs weighted by P(match), u among pairs weighted by P(non-match).
    (recordlinkage 0.16 stops EM at the iteration before a class's probability of some value
    reaches 0, and keeps that log(0); it is floored.)"""
    import numpy
    from recordlinkage import ECMClassifier

    levels = matching.rules()["levels"]
    frame = _one_hot(vectors, levels)
    agreeing = _at_least(frame, levels, set(matching.rules()["reference_levels"]))
    classifier = ECMClassifier(binarize=None, max_iter=500)
    with numpy.errstate(divide="ignore", invalid="ignore"):  # the log(0) of its last iteration
        classifier.fit(agreeing)
    kernel = classifier.kernel  # a value never seen in one class is log(0): floored, as matching.yaml does
    kernel.feature_log_prob_ = numpy.maximum(kernel.feature_log_prob_, numpy.log(FLOOR))
    posterior = classifier.prob(agreeing).to_numpy()
    matched, other = posterior.sum(), (1 - posterior).sum()
    m = {name: {level: round(float((frame[f"{name}={level}"] * posterior).sum() / matched), 6)
                for level in field_levels} for name, field_levels in levels.items()}
    u = {name: {level: round(float((frame[f"{name}={level}"] * (1 - posterior)).sum() / other), 6)
                for level in field_levels} for name, field_levels in levels.items()}
    return {"m": m, "u": u, "match_share": round(float(matched / len(vectors)), 6), "pairs": len(vectors)}


def estimated_block(found: dict[str, Any], source: str) -> str:
    head = (f"{matching.ESTIMATED_MARKER}: do not edit below this line by hand ----\n"
            f"# from {source}: {found['pairs']:,} blocked pairs, EM's share of true pairs "
            f"{found['match_share']:.4f}\n")
    body = yaml.safe_dump({"m": found["m"], "u": found["u"]}, sort_keys=False, allow_unicode=True)
    return head + body


def write(found: dict[str, Any], source: str) -> None:
    text = DATA.read_text("utf-8")
    kept = text[:text.index(matching.ESTIMATED_MARKER)]
    DATA.write_text(kept + estimated_block(found, source), "utf-8")


def _read(path: str) -> list[Person]:
    people = []
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            record["date_of_birth"] = date.fromisoformat(record["date_of_birth"])
            people.append(Person(**{k: v for k, v in record.items() if k in Person.__dataclass_fields__}))
    return people


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.matching_weights",
                                     description=(__doc__ or "").split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", nargs=2, metavar=("BIRTHS", "PROVISIONAL"))
    source.add_argument("--generated", type=int, metavar="N")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--write", action="store_true", help="write the estimates into matching.yaml")
    args = parser.parse_args(argv)
    if args.generated:
        from tools.newborns import generate
        births, provisionals, _ = generate(args.generated, args.seed)
        described = f"tools.newborns.generate({args.generated}, seed={args.seed})"
    else:
        births, provisionals = _read(args.input[0]), _read(args.input[1])
        described = f"{Path(args.input[0]).name} and {Path(args.input[1]).name}"
    found = estimate(comparison_vectors(births, provisionals))
    print(estimated_block(found, described))
    for name in found["m"]:
        print(name, {level: round(found["m"][name][level] / max(found["u"][name][level], 1e-4), 2)
                     for level in found["m"][name]})
    if args.write:
        write(found, described)
        print(f"written into {DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
