"""The command line of ``tools.load``: options, the files one after the other, a summary of each."""

import argparse
import os
import sys
from pathlib import Path

HELP = """\
Send the records of each FILE through a sector's batch RPC (register_birth -> register_births),
BATCH records a call, and print what was stored and refused.

Files: CSV (first row: the RPC's field names; an empty cell leaves the field out; numbers, lists
and objects are read as the RPC's input schema types them) or JSON lines (one record a line), one
kind of record per file. The kind is --service and --rpc when given, else the file's name:
[anything.]SERVICE.RPC.csv or .jsonl, e.g. registry.register_birth.csv or
2019.health.record_vaccination.jsonl.

Beside each FILE: FILE.refused.csv / .jsonl (line number, record_id, error type, message, fields,
then the row itself) and FILE.progress.json (rows answered, counts, the file's fingerprint), saved
after every answered batch. Run the same command again after a crash or Ctrl-C: it goes on after
the last answered batch. The one batch in flight at a crash is sent again; its records' ids make
the service store nothing twice (the batch RPCs are idempotent per record_id). A changed file is not
resumed (use --restart). Ctrl-C stops after the batch in flight is answered and saved (exit 130); a
second Ctrl-C leaves at once. A batch that gets no answer (broker or service gone, timeout) is sent
again after 1, 2, 4... s, --retries times; then the load stops, its progress saved (exit 3).

Exit status: 0 every file loaded (refused rows included), 1 a file cannot be loaded (kind, changed
file, a whole batch refused), 3 no answer after the retries, 130 interrupted.
"""
DEV_TOKEN_SECONDS = 86_400  # a province's history takes hours: the development token outlives a load


def parser() -> argparse.ArgumentParser:
    from tools.run_platform import DEFAULT_AMQP

    found = argparse.ArgumentParser(prog="python -m tools.load", description=HELP,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
    found.add_argument("files", nargs="+", type=Path, metavar="FILE")
    found.add_argument("--service", help="the sector service (default: from the file's name)")
    found.add_argument("--rpc", help="its single write RPC, e.g. register_birth (default: from the name)")
    found.add_argument("--batch", type=int, default=500, help="records per batch call (default 500)")
    found.add_argument("--amqp", default=os.environ.get("AMQP_URI", DEFAULT_AMQP),
                       help="the broker (default: $AMQP_URI or the local one)")
    found.add_argument("--token", default=os.environ.get("ECD_TOKEN"),
                       help="the caller's token (default: $ECD_TOKEN, else a development token of the "
                            "sectors' writers in --area, signed with `make run`'s development key, "
                            "valid 24 h)")
    found.add_argument("--area", action="append", dest="areas",
                       help="a province code the development token covers (repeat; default: all)")
    found.add_argument("--timeout", type=float, default=300, help=(
        "seconds to wait for a batch's answer (a busy registry takes minutes for 1,000 births; a batch sent "
        "again while the first still runs waits on the same locks)"))
    found.add_argument("--retries", type=int, default=5, help="sends again of a batch without answer")
    found.add_argument("--restart", action="store_true", help="ignore the saved progress: from row 1")
    return found


def summary(path: Path, progress) -> str:
    refused = ", ".join(f"{kind} {count:,}" for kind, count in progress.refused.items())
    line = (f"{path}: {progress.rows_done:,} rows: {progress.accepted:,} accepted, {progress.pending:,} "
            f"pending, {progress.refused_total():,} refused" + (f" ({refused})" if refused else ""))
    if progress.refused_total():
        from tools.load.refused import refused_path

        line += f"; refused rows in {refused_path(path, path.suffix.lstrip('.').lower())}"
    return line


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    import eventlet

    eventlet.monkey_patch()
    from nameko.exceptions import RemoteError

    from shared.exceptions import PlatformError
    from shared.rules.admin_units import CURRENT, admin_units
    from tools.load.kinds import UnknownKind
    from tools.load.run import CannotResume, Interrupted, Source, Stop, load_file
    from tools.load.sender import BrokenContract, Sender, TransportFailed
    from tools.province.loading import writers_proxy

    areas = args.areas or sorted(admin_units().provinces[CURRENT])
    stop = Stop().install()
    sender = Sender(lambda: writers_proxy(args.amqp, areas, "tools.load", "load historic records",
                                          args.timeout, args.token, DEV_TOKEN_SECONDS), retries=args.retries)
    try:
        for path in args.files:
            source = Source.of(path, args.service, args.rpc)
            print(summary(path, load_file(source, sender, args.batch, stop, args.restart)), flush=True)
    except Interrupted as stopped:
        print(f"{stopped}; run the same command again to go on", file=sys.stderr)
        return 130
    except TransportFailed as failure:
        print(f"{failure}; progress saved: run the same command again to go on", file=sys.stderr)
        return 3
    except (UnknownKind, CannotResume, BrokenContract, PlatformError, RemoteError,
            OSError) as problem:
        print(f"{type(problem).__name__}: {problem}", file=sys.stderr)
        return 1
    finally:
        sender.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
