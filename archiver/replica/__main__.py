"""Run a replica site: ``python -m archiver.replica --articles N [--seed S] [--port 0] ...``.

Prints exactly one line, ``REPLICA http://127.0.0.1:PORT``, once the socket is listening, so a
parent process can read the URL from the pipe; then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence

from archiver.replica.server import ReplicaServer
from archiver.replica.site import ReplicaSite


def _edit_spec(text: str) -> tuple[int, int]:
    """``INDEX`` or ``INDEX:REVISION`` for ``--edit``."""
    index, _, revision = text.partition(":")
    try:
        return int(index), int(revision or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected INDEX or INDEX:REVISION, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m archiver.replica", description=__doc__.splitlines()[0])
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    site = ReplicaSite(args.articles, seed=args.seed, host=args.host_name, per_page=args.per_page,
                       images_per_article=args.images)
    for index, revision in args.edit:
        site.edit(index, revision)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    with ReplicaServer(site, port=args.port, log_file=args.log) as server:
        print(f"REPLICA {server.url}", flush=True)
        stopping.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
