"""Media in the Markdown: the attachment list, and links that point at the archive's own copies.

With `image_links: local` an archived medium is linked by its path in the output folder,
`/<source>/images/<sha256>.jpg` or `/<source>/files/<name>`: the URL path it has when the
output folder's source directories are served at the root of a Hugo site (see the README's
"Images and attachments in a Hugo site"). A medium that is not archived (yet) keeps its
original URL, so a page never links to a file that is not there; when a later run archives
it, `relink` rewrites the article file's links in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from archiver.catalog import MediaRecord
from archiver.markdown import markdown_url

# A Markdown link or image destination as `archiver.markdown.markdown_url` writes it.
_DESTINATION = re.compile(r"\]\(([^()\s]+)\)")
_FRONT_MATTER_END = "\n---\n"


def local_url(local_path: str) -> str:
    """The site path of a file stored at `local_path` (relative to the output folder)."""
    return "/" + quote(local_path, safe="/")


def local_links(records: Iterable[MediaRecord]) -> dict[str, str]:
    """Original URL → site path of the local copy, for every archived medium."""
    return {r.url: local_url(r.local_path) for r in records if r.state == "done" and r.local_path}


def relink(markdown: str, links: Mapping[str, str]) -> str:
    """Point the body's links and images at other URLs: `links` maps original to new.

    Only link destinations are touched (text that merely contains a URL is escaped by the
    renderer and never looks like `](…)`), and only after the front matter.
    """
    if not links:
        return markdown
    targets = {markdown_url(old): markdown_url(new) for old, new in links.items()}
    head, separator, body = markdown.partition(_FRONT_MATTER_END) if markdown.startswith("---\n") else ("", "", markdown)

    def swap(match: re.Match[str]) -> str:
        new = targets.get(match.group(1))
        return f"]({new})" if new else match.group(0)

    return head + separator + _DESTINATION.sub(swap, body)
