"""The dashboard's charts, drawn server-side by matplotlib (Agg, no pyplot) as inline SVG.

No JavaScript and no CDN: provinces may be offline, and the page prints. ``bars`` draws one horizontal
bar per figure (a percentage, 0-100) with its target as a marker, or, given one ``line``, a target
line across every bar (the communes ranked). Labels are Vietnamese; the axis and the value beside each
bar read as Vietnamese numbers (``75,0 %``); a figure without a value (no children, or a hidden cell)
has no bar and its text says why. The SVG keeps its text as text (the browser's fonts render the
Vietnamese), carries a ``<title>`` and ``role="img"`` for screen readers, and has no fixed size, so it
scales to the page's width (a phone at 390 px, A4 when printed). Figures are plain ``Figure`` objects,
never registered with pyplot, so nothing has to be closed and nothing leaks between requests.
"""

import io
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from shared.kit import vn_format

BAR, ON_TRACK, TARGET, GREY = "#4a78b5", "#2e8b57", "#c0392b", "#555555"
STYLE = {"svg.fonttype": "none", "svg.hashsalt": "ecd-dashboard", "font.family": "sans-serif",
         "font.size": 10}
# Inches: every chart is as wide, with as wide a column of labels, and each bar as thick, so the
# charts of a page line up whatever their number of bars.
WIDTH, LABELS, RIGHT, PER_BAR, TOP, BOTTOM = 5.5, 2.0, 0.1, 0.4, 0.3, 0.4
AXIS = (0, 25, 50, 75, 100)
LABEL_CHARS = 24  # per line; a label is wrapped on two lines, then cut with an ellipsis


@dataclass(frozen=True)
class Bar:
    """One figure: its label, its value and target in percent (None: none), the text beside it."""

    label: str
    value: float | None
    target: float | None = None
    text: str = ""


percent_text = vn_format.percent  # a value in percent (0-100), ``75,0 %``


@cache
def _matplotlib() -> tuple[Any, Any]:
    """matplotlib on the Agg backend and its ``Figure``, imported at the first chart: about 0.9 s and
    50 MB that a reporting service whose dashboard nobody opens (or not yet) does not pay at start."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return matplotlib, Figure


def bars(title: str, rows: list[Bar], line: float | None = None, line_label: str = "Mục tiêu") -> str:
    """An SVG of ``rows`` top to bottom, titled ``title``; ``line`` a target drawn across all bars."""
    matplotlib, Figure = _matplotlib()
    with matplotlib.rc_context(STYLE):
        height = TOP + BOTTOM + PER_BAR * max(len(rows), 1)
        figure = Figure(figsize=(WIDTH, height))
        figure.subplots_adjust(left=LABELS / WIDTH, right=1 - RIGHT / WIDTH, top=1 - TOP / height,
                               bottom=BOTTOM / height)
        _draw(figure.add_subplot(), rows, line, line_label)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Title": title})
    return accessible(out.getvalue(), title)


def _draw(axes, rows: list[Bar], line: float | None, line_label: str) -> None:
    places = range(len(rows))
    colours = [ON_TRACK if _reached(row, line) else BAR for row in rows]
    axes.barh(list(places), [row.value or 0 for row in rows], color=colours, height=0.62)
    axes.set_yticks([])  # labels are plain texts: a tick per bar costs more than the rest of a chart
    axes.set_ylim(len(rows) - 0.5, -0.5)  # the first row on top, each bar in a slot of its own
    axes.set_xlim(0, 142)  # room for the value and its counts past 100 %
    axes.set_xticks(AXIS, [percent_text(x, 0) for x in AXIS])
    axes.spines[["top", "right"]].set_visible(False)
    for place, row in zip(places, rows, strict=True):
        axes.text(-2.5, place, _short(row.label), ha="right", va="center", fontsize=10, clip_on=False)
        axes.text((row.value or 0) + 1.5, place, row.text or percent_text(row.value), va="center",
                  fontsize=9, color=GREY if row.value is None else "#111111")
    targets = [(place, row.target) for place, row in zip(places, rows, strict=True) if row.target is not None]
    if targets:
        axes.scatter([t for _, t in targets], [p for p, _ in targets], marker="|", s=420, linewidths=2.5,
                     color=TARGET, zorder=3, label=line_label)
    if line is not None:
        axes.axvline(line, color=TARGET, linewidth=1.6, linestyle="--", zorder=3,
                     label=f"{line_label} {percent_text(line)}")
    if targets or line is not None:
        axes.legend(loc="lower right", fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0), borderaxespad=0)


def _reached(row: Bar, line: float | None) -> bool:
    goal = row.target if row.target is not None else line
    return row.value is not None and goal is not None and row.value >= goal


def _short(label: str) -> str:
    lines = textwrap.wrap(label, LABEL_CHARS) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][:LABEL_CHARS - 1].rstrip() + "…"]
    return "\n".join(lines)


def accessible(svg: str, title: str) -> str:
    """``svg`` without its XML prologue and fixed size, as an image named ``title`` (matplotlib
    writes the ``<title>`` element from the metadata's Title)."""
    start = svg.index("<svg")
    head_end = svg.index(">", start)
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[start:head_end])
    return f'{head} role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">{svg[head_end + 1:]}'
