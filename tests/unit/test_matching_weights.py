"""The Fellegi-Sunter weights tool: EM without the truth finds agreement likelier among true pairs,
writes only its own block of matching.yaml, and reads real records from JSON lines."""

import json
from dataclasses import asdict

import pytest

from shared.rules import matching
from tools import matching_weights
from tools.newborns import generate


@pytest.fixture(scope="module")
def found():
    births, provisionals, _ = generate(800, 3)
    return matching_weights.estimate(matching_weights.comparison_vectors(births, provisionals))


def test_em_finds_each_agreement_likelier_among_true_pairs_than_among_others(found):
    m, u = found["m"], found["u"]
    for field, level in (("name", "exact"), ("name", "folded_exact"), ("mother", "exact"),
                         ("mother", "id_same"), ("dob", "exact"), ("sex", "same")):
        assert m[field][level] > u[field][level], (field, level)
    assert m["name"]["different"] < u["name"]["different"]
    assert 0.01 < found["match_share"] < 0.15  # small communes: few candidates a child


def test_every_field_s_probabilities_sum_to_one(found):
    for probabilities in (found["m"], found["u"]):
        for field, levels in probabilities.items():
            assert sum(levels.values()) == pytest.approx(1.0, abs=1e-4), field


def test_writing_replaces_only_the_estimated_block(found, tmp_path, monkeypatch):
    data = tmp_path / "matching.yaml"
    original = matching_weights.DATA.read_text("utf-8")
    data.write_text(original, "utf-8")
    monkeypatch.setattr(matching_weights, "DATA", data)
    matching_weights.write(found, "a test")
    written = data.read_text("utf-8")
    marker = original.index(matching.ESTIMATED_MARKER)
    assert written[:marker] == original[:marker]
    assert "# from a test: " in written
    import yaml
    assert yaml.safe_load(written)["m"] == found["m"]


def test_records_are_read_from_json_lines(tmp_path):
    births, provisionals, _ = generate(40, 1)
    paths = []
    for name, people in (("births.jsonl", births), ("provisional.jsonl", provisionals)):
        path = tmp_path / name
        path.write_text("\n".join(json.dumps(asdict(p), default=str) for p in people), "utf-8")
        paths.append(path)
    assert matching_weights._read(str(paths[0])) == births
    assert matching_weights._read(str(paths[1])) == provisionals
