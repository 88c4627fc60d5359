"""Run a replica site: ``python -m archiver.replica --articles N [--seed S] [--port 0] ...``.

Prints exactly one line, ``REPLICA http://127.0.0.1:PORT``, once the socket is listening, so a
parent process can read the URL from the pipe; then serves until SIGTERM or SIGINT.
``--fault PATTERN=KIND[:TIMES]``, ``--chaos RATE:SEED`` and ``--pager-lies N`` turn on the fault
mode (``archiver.replica.faults``).
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence

from archiver.replica.faults import FAULTS, FaultRule, FaultySite
from archiver.replica.server import ReplicaServer, Site
from archiver.replica.site import ReplicaSite


def _edit_spec(text: str) -> tuple[int, int]:
    """``INDEX`` or ``INDEX:REVISION`` for ``--edit``."""
    index, _, revision = text.partition(":")
    try:
        return int(index), int(revision or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected INDEX or INDEX:REVISION, got {text!r}") from None


def _fault_spec(text: str) -> FaultRule:
    """``PATTERN=KIND`` or ``PATTERN=KIND:TIMES`` for ``--fault`` (the pattern may contain ``=``)."""
    pattern, _, kind = text.rpartition("=")
    kind, _, times = kind.partition(":")
    if not pattern or kind not in FAULTS or not (times == "" or times.isdigit()):
        raise argparse.ArgumentTypeError(
            f"expected PATTERN=KIND or PATTERN=KIND:TIMES with KIND one of {', '.join(FAULTS)}; got {text!r}"
        )
    return FaultRule(pattern, kind, int(times) if times else None)


def _chaos_spec(text: str) -> tuple[float, int]:
    """``RATE`` or ``RATE:SEED`` for ``--chaos``."""
    rate, _, seed = text.partition(":")
    try:
        value = float(rate), int(seed or 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected RATE or RATE:SEED, got {text!r}") from None
    if not 0.0 <= value[0] <= 1.0:
        raise argparse.ArgumentTypeError(f"RATE must be between 0 and 1, got {rate!r}")
    return value


def _fault_help() -> str:
    width = max(map(len, FAULTS))
    return "faults (--fault PATTERN=KIND[:TIMES]):\n" + "\n".join(
        f"  {name:<{width}}  {fault.description}" for name, fault in FAULTS.items()
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m archiver.replica", description=__doc__.splitlines()[0],
        epilog=_fault_help(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--articles", type=int, required=True, help="number of articles in the column")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (same seed, same bytes)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: let the OS choose)")
    parser.add_argument("--host-name", default="gongxue.cn", help="host name of the replicated site")
    parser.add_argument("--per-page", type=int, default=20, help="articles per list page")
    parser.add_argument("--images", type=int, default=None,
                        help="exactly this many images per article (default: 0-4, varying)")
    parser.add_argument(
        "--edit", type=_edit_spec, action="append", default=[], metavar="INDEX[:REV]",
        help="serve article INDEX at revision REV (default 1); repeatable",
    )
    parser.add_argument("--log", help="append 'METHOD URL STATUS' for every request to this file")
    parser.add_argument(
        "--fault", type=_fault_spec, action="append", default=[], metavar="PATTERN=KIND[:TIMES]",
        help="spoil requests whose target (path?query) matches the glob PATTERN (or re:REGEX) with "
             "fault KIND, TIMES times (default: always); repeatable, first match wins",
    )
    parser.add_argument("--chaos", type=_chaos_spec, default=None, metavar="RATE[:SEED]",
                        help="also spoil this fraction of all requests with random faults (seeded)")
    parser.add_argument("--pager-lies", type=int, default=0, metavar="N",
                        help="pagers claim N more list pages than exist (those answer 404)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    site = ReplicaSite(args.articles, seed=args.seed, host=args.host_name, per_page=args.per_page,
                       images_per_article=args.images)
    for index, revision in args.edit:
        site.edit(index, revision)
    site.set_pager_lie(args.pager_lies)
    served: Site = site
    if args.fault or args.chaos:
        rate, seed = args.chaos or (0.0, 0)
        served = FaultySite(site, args.fault, random_rate=rate, seed=seed)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    with ReplicaServer(served, port=args.port, log_file=args.log) as server:
        print(f"REPLICA {server.url}", flush=True)
        stopping.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
