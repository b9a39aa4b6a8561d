"""Drive a service container in the test process: call an entrypoint, or call one and wait until
other containers' handlers have run (nameko's ``entrypoint_hook`` and ``entrypoint_waiter``: no sleeps).
Every call carries a token: ``everyone()``'s unless the test names one (``as_token``)."""

from contextlib import ExitStack

from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from tests.support.identities import everyone


def call(container, method, *args, as_token=None, **kwargs):
    """``method(*args, **kwargs)`` on ``container`` as ``as_token`` (``None``: everyone; ``""``: none)."""
    token = everyone() if as_token is None else as_token
    with entrypoint_hook(container, method, context_data={"authorization": token} if token else {}) as hook:
        return hook(*args, **kwargs)


def write_and_wait(writer, method, args, waits, as_token=None):
    """Call ``method(*args)`` on ``writer`` and wait until every (container, handler) in ``waits`` ran."""
    with ExitStack() as stack:
        for container, handler in waits:
            stack.enter_context(entrypoint_waiter(container, handler))
        return call(writer, method, *args, as_token=as_token)
