"""What a verified caller may do: every RPC names the one right it needs, reads check the areas.

Services declare their RPCs with ``guarded(right, ...)`` instead of nameko's ``rpc``: before the
method runs, the caller's token is verified (``self.caller``, ``shared.kit.identity``) and its roles
must grant ``right`` (``data/access.yaml``; ``{sector}`` in a right is the service's ``sector``, by
default its name, so the kit's writes need ``write:health`` in health). No token, or a bad one:
``Unauthenticated``; a valid one without the right: ``Forbidden``; both before anything is read or
stored, and handed to the service's ``refused`` hook (audited where the read concerns a child), as
is a ``Forbidden`` the method raises itself. A read of a person's data then checks that the
caller's areas hold the child's, case's, school's or report's area (``require_area``), on both maps.
"""

import inspect
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from shared.exceptions import Forbidden, Unauthenticated
from shared.kit.identity import Identity, roles_text
from shared.plumbing.entrypoints import rpc
from shared.rules import access
from shared.rules.admin_units import CURRENT, LEGACY

REFUSALS = (Unauthenticated, Forbidden)


def guarded(right: str, *, expected_exceptions: tuple = (), sensitive_arguments: tuple = ()) -> Callable:
    """An RPC entrypoint that runs only for a verified caller holding ``right``."""

    def decorate(method: Callable) -> Any:
        @wraps(method)
        def entrypoint(self, *args: Any, **kwargs: Any) -> Any:
            authorise(self, right.format(sector=getattr(self, "sector", self.name)), method.__name__,
                      args, kwargs)
            try:
                return method(self, *args, **kwargs)
            except Forbidden as refusal:  # the right, but not the area: the hook sees that too
                _tell(self, method.__name__, args, kwargs, refusal, ran=True)
                raise

        entrypoint.__signature__ = inspect.signature(method)  # nameko checks calls against it
        entrypoint.required_right = right
        return rpc(expected_exceptions=(*expected_exceptions, *REFUSALS),
                   sensitive_arguments=sensitive_arguments)(entrypoint)

    return decorate


def authorise(service: Any, right: str, method: str, args: tuple, kwargs: dict) -> Identity:
    """The caller's identity if it holds ``right``; otherwise the refusal, after the service's
    ``refused`` hook has seen it."""
    try:
        who = service.caller.identity
        require_right(who, right)
        return who
    except REFUSALS as refusal:
        _tell(service, method, args, kwargs, refusal, ran=False)
        raise


def _tell(service: Any, method: str, args: tuple, kwargs: dict, refusal: Exception, ran: bool) -> None:
    """Hand a refusal to the service's ``refused(method, args, kwargs, refusal, ran)`` hook, if any
    (``ran``: refused by the method itself, after the token and the right were accepted)."""
    hook = getattr(service, "refused", None)
    if hook is not None:
        hook(method, args, kwargs, refusal, ran)


def require_right(who: Identity, right: str) -> None:
    if right not in access.rights_of(who.roles):
        raise Forbidden(f"{right} needs one of the roles {roles_text(access.roles_with(right))}; the token "
                        f"of {who.user_id} holds {roles_text(who.roles)}.")


def require_area(who: Identity, code: str | None, on: date | str, what: str) -> None:
    """``Forbidden`` unless one of the caller's areas holds ``code`` on the map in force ``on`` (or
    the map version it names)."""
    if not who.covers(code, on):  # never says where it lies: that is what the caller may not know
        raise Forbidden(f"{what} lies outside the token's areas ({', '.join(who.areas) or 'none'}).")


def require_written_area(who: Identity, code: str | None, also: tuple[str, ...] = ()) -> None:
    """A write is placed in a commune of the caller's areas (or, for a move, the one the child
    leaves: ``also``), read on either map (a record's place may come from one made before 1 July
    2025, the date it is written on from after); a record with no place is not refused for it."""
    def held(commune: str) -> bool:
        return who.covers(commune, LEGACY) or who.covers(commune, CURRENT)

    if code and not any(held(commune) for commune in (code, *also)):
        raise Forbidden(f"The record is placed in commune {code}, outside the token's areas "
                        f"({', '.join(who.areas) or 'none'}).")


def may(who: Identity, right: str) -> bool:
    return right in access.rights_of(who.roles)


def may_read_case(who: Identity, commune_code: str, on: date | str) -> bool:
    return may(who, "read:cases") and who.covers(commune_code, on)


def is_auditor(who: Identity) -> bool:
    return may(who, "read:audit_log")
