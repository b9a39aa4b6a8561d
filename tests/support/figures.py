"""Reading a report's figures as an officer sees them: a hidden count is None with its mark in
``suppressed`` (``<5``, ``x``); these give the mark where the number would stand, for hand counts."""

from typing import Any

PARTS = ("numerator", "denominator", "value")


def shown(figure: dict[str, Any], part: str = "numerator") -> Any:
    return (figure.get("suppressed") or {}).get(part, figure[part])


def parts(figure: dict[str, Any], *names: str) -> tuple:
    return tuple(shown(figure, name) for name in names or ("numerator", "denominator"))


def count(n: int | str) -> dict[str, Any]:
    """A count's figure: a number, or a hidden one given by its mark."""
    if isinstance(n, str):
        return {"numerator": None, "denominator": None, "value": None,
                "suppressed": {"numerator": n, "value": n}}
    return {"numerator": n, "denominator": None, "value": n}


def share(top: int | str, bottom: int | str, value: float | None) -> dict[str, Any]:
    marks = {part: n for part, n in (("numerator", top), ("denominator", bottom)) if isinstance(n, str)}
    figure = {"numerator": None if isinstance(top, str) else top,
              "denominator": None if isinstance(bottom, str) else bottom, "value": value}
    return {**figure, "suppressed": marks} if marks else figure
