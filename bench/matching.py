"""Matching newborns' records (issue 18) on a generated set (``tools.newborns``): precision, recall and
review share at the thresholds of ``shared/rules/data/matching.yaml`` (``tools.matching_quality``: the
records replayed in the order they are recorded, as the registry meets them; the older all-at-once batch
figure beside it), and the pairs scored per second, against a
baseline measured in the same run: rapidfuzz's ``ratio`` alone on the same pairs' folded names
(baseline M), i.e. what one bare string comparison costs. Each rate is the median of ``BENCH_ROUNDS``.
Runs alone: ``python -m bench.matching``; ``make bench`` prints it after the province rows.
"""

import statistics
import sys
import time

from rapidfuzz.fuzz import ratio

from bench import settings
from bench.table import Row, print_rows
from shared.rules import matching
from shared.rules.vn_names import fold
from tools.matching_quality import evaluate, evaluate_batch
from tools.matching_weights import blocked_pairs
from tools.newborns import generate, records


def _rate(work, count: int) -> float:
    rates = []
    for _ in range(settings.ROUNDS):
        started = time.perf_counter()
        work()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


def rows() -> list[Row]:
    births, provisionals, truth = generate(settings.MATCHING_NEWBORNS, settings.MATCHING_SEED)
    made_births, made_provisionals, _ = records(settings.MATCHING_NEWBORNS, settings.MATCHING_SEED)
    quality = evaluate(made_births + made_provisionals, truth)
    batch = evaluate_batch(births, provisionals, truth)
    blocks = list(blocked_pairs(births, provisionals))
    pairs = sum(len(candidates) for _, candidates in blocks)
    names = [(fold(p.full_name or ""), fold(c.full_name or ""))
             for p, candidates in blocks for c in candidates]
    baseline = _rate(lambda: [ratio(a, b) for a, b in names], pairs)
    scored = _rate(lambda: [matching.match(p, candidates) for p, candidates in blocks], pairs)
    model = matching.default_model()
    return [
        ("matching: generated newborns (tools.newborns)", f"{settings.MATCHING_NEWBORNS:,}", "children",
         f"seed {settings.MATCHING_SEED}; {len(births):,} births, {len(provisionals):,} provisional; "
         f"link >= {model.upper:g}, review >= {model.lower:g}"),
        ("  precision at the automatic threshold (arrival order)", f"{quality.precision:.4f}", "",
         f"{quality.wrong_links} wrong of {quality.links:,} standing links; {quality.undone} undone by rule "
         f"on a twin's birth ({quality.undone_wrong} of them wrong)"),
        ("  recall, provisional -> its birth (arrival order)", f"{quality.recall:.4f}", "",
         f"{quality.found_pairs:,} of {quality.true_pairs:,} provisional children end at their birth"),
        ("  review share (arrival order)", f"{quality.review_share:.4f}", "",
         "provisional children with a registered candidate in review"),
        ("  precision / recall all at once (batch)", f"{batch.precision:.4f}", "",
         f"recall {batch.recall:.4f}; not how the registry runs, for comparison"),
        ("  rapidfuzz ratio alone, same pairs' names", f"{baseline:,.0f}", "pairs/s", "1.00 (baseline M)"),
        ("  pairs scored (compare + weight + decide)", f"{scored:,.0f}", "pairs/s",
         f"{scored / baseline:.3f} x M; {1e6 / scored:.1f} µs a pair; {pairs:,} blocked pairs"),
    ]


def main() -> int:
    print_rows(rows())
    return 0


if __name__ == "__main__":
    sys.exit(main())
