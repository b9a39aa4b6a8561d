"""``python -m tools.access``: one argparse command per access concern, each registered by its module.

A module in ``COMMAND_MODULES`` exposes ``register(subparsers)``, which adds its subcommands and sets
``run`` (taking the parsed arguments, returning the exit status) on each. Adding a concern (e.g.
``tools.access.tokens``) is one more name in the list.
"""

import argparse
import importlib
import signal
import sys

COMMAND_MODULES = ("tools.access.broker_commands", "tools.access.tokens", "tools.access.kubernetes")


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="python -m tools.access",
                                          description="Who may do what on the ECD platform.")
    subparsers = main_parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `... | head` ends quietly, as any filter does
    arguments = parser().parse_args(argv)
    return arguments.run(arguments)


if __name__ == "__main__":
    sys.exit(main())
