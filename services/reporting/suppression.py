"""Small-cell suppression of the counts that could identify a child (protection's, and the disability
figures of health and education), pure: no count from 1 to threshold-1 is shown, and none can be
recovered from a total.

Counts live in a table of cells ``(node, count name) -> int``. Nodes form a tree (province ->
legacy districts -> communes, or province -> communes on the 2025 map), and some count names add up
to another (cases by level to cases opened). Primary suppression hides every count from 1 to
``threshold - 1``. Secondary suppression then hides one more cell wherever a hidden cell is the
difference of shown ones (a shown total with exactly one hidden part; a hidden total with every part
shown), preferring the smallest shown non-zero cell, across the tree and across the count groups,
until nothing changes. A small count shows as ``<5``; a cell hidden to protect one shows as ``x``
(it may be larger: ``<5`` would mislead). A table may mix counts that are hidden when small with
counts that are not (referrals: only those that single out protection), the latter hidden only to
protect the former. A report is cut from the suppressed table, so every
output (RPC, HTTP, exports) and every area asked for shows the same hidden cells: a commune's count
cannot be had from its district's total minus the other communes, whichever reports are read.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

Node = tuple[str, str]  # (level, code)
SECONDARY_LABEL = "x"
Cell = tuple[Node, str]


@dataclass
class Table:
    counts: dict[Cell, int]
    children: Mapping[Node, list[Node]]
    groups: list[tuple[str, list[str]]] = field(default_factory=list)
    hidden: set[Cell] = field(default_factory=set)
    small: set[Cell] = field(default_factory=set)  # hidden because small (the rest: to protect those)
    small_label: str = "<5"

    def shown(self, cell: Cell) -> int | str:
        """The count, ``<5`` for a small one, ``x`` for one hidden to protect a small one."""
        if cell not in self.hidden:
            return self.counts.get(cell, 0)
        return self.small_label if cell in self.small else SECONDARY_LABEL


def _smallest(table: Table, cells: list[Cell]) -> Cell:
    nonzero = [c for c in cells if table.counts.get(c, 0) > 0]
    return min(nonzero or cells, key=lambda c: (table.counts.get(c, 0), c))


def _protect(table: Table, total: Cell, parts: list[Cell]) -> bool:
    """Hide one more cell when a hidden cell could be had from the others: a shown total with one
    hidden part (hide another part, or the total when there is no other), or a hidden total whose
    parts are all shown (hide a part)."""
    if not parts:
        return False
    hidden = [p for p in parts if p in table.hidden]
    shown = [p for p in parts if p not in table.hidden]
    if total not in table.hidden and len(hidden) == 1:
        table.hidden.add(_smallest(table, shown) if shown else total)
        return True
    if total in table.hidden and not hidden:
        table.hidden.add(_smallest(table, shown))
        return True
    return False


def _pairs(table: Table, names: Iterable[str]) -> Iterable[tuple[Cell, list[Cell]]]:
    for parent, kids in table.children.items():
        for name in names:
            yield (parent, name), [(kid, name) for kid in kids]
    nodes = {node for node, _ in table.counts}
    for node in nodes:
        for total, parts in table.groups:
            yield (node, total), [(node, part) for part in parts]


def suppress(table: Table, threshold: int, sensitive: Callable[[str], bool] | None = None) -> Table:
    """Hide the small cells of ``table`` and every cell that would give one of them away; only the
    counts ``sensitive`` names are hidden for being small (all of them when it is None)."""
    table.small_label = f"<{threshold}"
    table.small = {cell for cell, value in table.counts.items()
                   if 0 < value < threshold and (sensitive is None or sensitive(cell[1]))}
    table.hidden |= table.small
    names = sorted({name for _, name in table.counts})
    changed = True
    while changed:
        changed = False
        for total, parts in _pairs(table, names):
            changed |= _protect(table, total, parts)
    return table
