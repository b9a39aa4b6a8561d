"""Matching quality on generated newborns (tools.newborns): blocking, match and decide as the registry
runs them, with the weights matching.yaml holds (estimated by EM on another seed's set), must reach
precision >= 0.99 and recall >= 0.95 at the automatic threshold.

Twins under one "con của" label: a provisional label of one same-sex twin scores as high against both
twins' births, so the one-to-one rule sends both pairs to review; the true pair then counts as not
linked (a recall loss) and the other as no link at all, never as a wrong one. A twin whose sibling was
never registered can still be linked wrongly: that counts against precision.
"""

import pytest

from tools.matching_quality import evaluate
from tools.newborns import generate, records

NEWBORNS = 3000
SEED = 7  # matching.yaml's weights come from seed 18


@pytest.fixture(scope="module")
def quality():
    births, provisionals, truth = generate(NEWBORNS, SEED)
    return evaluate(births, provisionals, truth)


def test_the_generated_set_is_a_few_thousand_newborns_with_their_records():
    births, provisionals, truth = generate(NEWBORNS, SEED)
    assert len(set(truth.values())) >= 2900  # children with a record; a few have none at all
    assert len(births) > 0.9 * NEWBORNS * 0.9 and len(provisionals) > NEWBORNS * 0.9


def test_the_generator_is_deterministic_for_a_seed():
    assert generate(200, 5) == generate(200, 5)
    assert generate(200, 5) != generate(200, 6)


def test_automatic_links_are_right_at_least_99_times_in_100(quality):
    assert quality.precision >= 0.99, quality


def test_at_least_95_in_100_provisional_children_of_registered_births_are_linked(quality):
    assert quality.recall >= 0.95, quality


def test_records_carry_their_day_provisional_ones_before_the_registration():
    births, provisionals, truth = records(400, 5)
    registered = {truth[r.person.id]: r.recorded_on for r in births}
    assert sorted(r.person.id for r in births) == sorted(p.id for p in generate(400, 5)[0])
    assert all(r.recorded_on <= registered.get(truth[r.person.id], r.recorded_on) for r in provisionals)
    delays = [(r.recorded_on - r.person.date_of_birth).days for r in births]
    assert min(delays) >= 0 and max(delays) <= 120 and any(d > 60 for d in delays)
    assert {r.source for r in provisionals} <= {"health", "protection", "education", "registry"}
    assert {r.source for r in births} == {"registry"}
