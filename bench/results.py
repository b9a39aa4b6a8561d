"""Issue 19's figures of one bench run, gathered from every part, printed and written to ``var/bench.json``.

A figure is ``{"value", "unit", "baseline", "ratio"}``: its value, the value of the baseline it is
measured against in the same run (``baseline_name`` says which) and ``value / baseline``, computed
here when a part gives the two without it; ``goal`` and ``note`` are optional. A part is a module
with ``figures()`` (``bench.relay``, ``bench.rebuild``...): one that is not importable yet, lacks
``figures`` or fails is recorded as ``not_measured`` with the reason, and the run goes on. The table
printed and the JSON written are made from the same ``Results``, so they cannot disagree; the JSON
also holds the run's metadata (date, cores, git head, configurations, settings) so runs can be compared.
"""

import importlib
import json
import os
import subprocess
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Figure = dict[str, Any]
Row = tuple[str, str, str, str]
ROOT = Path(__file__).resolve().parents[1]


class NotMeasured(Exception):
    """A part could not measure its figure; the message says why (recorded as it is)."""


def ratio_of(value: Any, baseline: Any) -> float | None:
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (value, baseline))
    return value / baseline if numbers and baseline else None


def figure(value: float | None, unit: str, baseline: float | None = None, baseline_name: str = "",
           goal: str = "", note: str = "") -> Figure:
    """A measured figure; its ratio to ``baseline`` computed."""
    made: Figure = {"value": value, "unit": unit, "baseline": baseline, "ratio": ratio_of(value, baseline)}
    extras = {"baseline_name": baseline_name, "goal": goal, "note": note}
    return {**made, **{key: text for key, text in extras.items() if text}}


def not_measured(why: str, unit: str = "") -> Figure:
    return {"value": None, "unit": unit, "baseline": None, "ratio": None, "not_measured": why}


def completed(given: Any) -> Figure:
    """A part's figure with its ratio filled in when the part left it out; a malformed one, not measured."""
    if not isinstance(given, dict) or "value" not in given:
        return not_measured(f"the part gave {given!r:.80} instead of {{value, unit, baseline, ratio}}")
    made = {"unit": "", "baseline": None, "ratio": None, **given}
    if made["ratio"] is None:
        made["ratio"] = ratio_of(made["value"], made["baseline"])
    return made


class Results:
    """The figures of one run, in the order they were measured."""

    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}

    def add(self, name: str, made: Figure) -> None:
        self.figures[name] = completed(made)

    def gather(self, name: str, measure: Callable[[], dict[str, Figure]]) -> dict[str, Figure]:
        """Add the figures ``measure`` returns; if it raises, ``name`` is not measured, saying why."""
        try:
            found = measure()
        except NotMeasured as exc:
            self.add(name, not_measured(str(exc)))
            return {}
        except Exception as exc:  # a part that fails is a row that says why; the run goes on
            self.add(name, not_measured(f"{type(exc).__name__}: {exc}"[:300]))
            traceback.print_exc()
            return {}
        for figure_name, made in found.items():
            self.add(figure_name, made)
        return found

    def part(self, name: str, module: str, *args: Any) -> dict[str, Figure]:
        """The figures of ``module.figures(*args)``, or ``name`` not measured if there is none yet."""
        try:
            measure = importlib.import_module(module).figures
        except ImportError as exc:
            self.add(name, not_measured(f"{module} is not importable ({exc})"))
            return {}
        except AttributeError:
            self.add(name, not_measured(f"{module} has no figures() yet"))
            return {}
        return self.gather(name, lambda: measure(*args))

    def rows(self) -> list[Row]:
        return [row(name, made) for name, made in self.figures.items()]

    def write(self, path: Path, run: dict[str, Any]) -> Path:
        """``{"run": metadata, "figures": {figure: {value, unit, baseline, ratio, ...}}}``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"run": run, "figures": self.figures}, indent=2, ensure_ascii=False)
        path.write_text(text + "\n")
        return path


def row(name: str, made: Figure) -> Row:
    if made.get("not_measured"):
        return (name, "—", made.get("unit", ""), f"not measured: {made['not_measured']}")
    notes = [made.get("goal") and f"goal {made['goal']}", made.get("note")]
    if made.get("ratio") is not None:
        ratio = made["ratio"]
        times = f"{ratio:.2f}" if abs(ratio) >= 0.1 else f"{ratio:.2g}"
        notes.insert(0, f"{times} x {made.get('baseline_name') or 'baseline'} ({shown(made['baseline'])})")
    return (name, shown(made["value"]), made.get("unit", ""), "; ".join(note for note in notes if note))


def shown(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—" if value is None else str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 1 else f"{value:.3g}"


def git_head() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' (uncommitted changes)' if dirty else ''}"


def run_metadata(configurations: list[str], knobs: dict[str, Any], seconds: float) -> dict[str, Any]:
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
            "git_head": git_head(), "configurations": configurations, "seconds": round(seconds, 1),
            "settings": knobs}
