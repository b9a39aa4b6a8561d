"""Roles and their rights as data (``data/access.yaml``), pure functions.

A caller holds one or more roles; each role grants rights (``write:health``, ``read:child``...). An
RPC needs exactly one right; ``rights_of`` is the union over the caller's roles, an unknown role
granting nothing. Which areas a caller covers is a question of the maps (``admin_units.covers``).
"""

from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

import yaml


@cache
def rules() -> dict[str, Any]:
    return yaml.safe_load((files("shared.rules") / "data" / "access.yaml").read_text("utf-8"))


def roles() -> tuple[str, ...]:
    return tuple(rules()["roles"])


def rights_of(held: Iterable[str]) -> frozenset[str]:
    table = rules()["roles"]
    return frozenset(right for role in held for right in table.get(role, ()))


def roles_with(right: str) -> tuple[str, ...]:
    """The roles that grant ``right`` (to say in a refusal what would have been allowed)."""
    return tuple(role for role, rights in rules()["roles"].items() if right in rights)
