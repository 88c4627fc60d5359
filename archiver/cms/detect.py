"""Recognising the CMS of a page (`cms: auto`): count the marks each CMS leaves in its pages.

VSB and WebPlus templates load their own scripts and name their containers in ways no other
system does (`/system/resource/js/`, `vsb_content`, `wp_articlecontent`, `portletmode=` …), so
one mark is evidence; a page that shows more marks of one CMS than of the other is that CMS's,
and anything else (no marks, or as many of each) is read by the generic preset.
"""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from archiver.cms.base import Preset
from archiver.cms.generic import GENERIC
from archiver.cms.vsb import VSB
from archiver.cms.webplus import WEBPLUS

AUTO_NAME = "auto"
MIN_MARKERS = 1
RECOGNISABLE: tuple[Preset, ...] = (VSB, WEBPLUS)


def count_markers(page: str | HtmlElement) -> dict[str, int]:
    """How many of each recognisable CMS's markers the page's source contains."""
    source = page if isinstance(page, str) else lxml.html.tostring(page, encoding="unicode")
    source = source.lower()
    return {preset.name: sum(marker in source for marker in preset.markers) for preset in RECOGNISABLE}


def detect_preset(page: str | HtmlElement) -> Preset:
    """The preset of the CMS that made `page` (HTML text or a parsed page); GENERIC if none did."""
    counts = count_markers(page)
    best = max(RECOGNISABLE, key=lambda preset: counts[preset.name])
    ties = [p for p in RECOGNISABLE if counts[p.name] == counts[best.name]]
    if counts[best.name] < MIN_MARKERS or len(ties) > 1:
        return GENERIC
    return best


def resolve_preset(preset: Preset, page: str | HtmlElement) -> Preset:
    """`preset` itself, or for `cms: auto` the preset recognised from this page."""
    return detect_preset(page) if preset.name == AUTO_NAME else preset


# List pages through `cms: auto`: the spider applies one selector group to every list page, so
# it gets the union of the recognisable CMSs' groups (their classes never occur in each other's
# pages); article pages are recognised one by one in `extract_article`.
AUTO = Preset(
    name=AUTO_NAME,
    list_items=", ".join(p.list_items for p in RECOGNISABLE),
    next_page=", ".join(p.next_page for p in RECOGNISABLE),
    title_meta=(),
    title=(),
    date_meta=(),
    date_regions=(),
    body=(),
    article_area=(),
    attachment_links=(),
)
