"""Drive a service container in the test process: call an entrypoint, or call one and wait until
other containers' handlers have run (nameko's ``entrypoint_hook`` and ``entrypoint_waiter``: no sleeps)."""

from contextlib import ExitStack

from nameko.testing.services import entrypoint_hook, entrypoint_waiter


def call(container, method, *args):
    with entrypoint_hook(container, method) as hook:
        return hook(*args)


def write_and_wait(writer, method, args, waits):
    """Call ``method(*args)`` on ``writer`` and wait until every (container, handler) in ``waits`` ran."""
    with ExitStack() as stack:
        for container, handler in waits:
            stack.enter_context(entrypoint_waiter(container, handler))
        return call(writer, method, *args)
