"""CMS presets: the selectors and heuristics that read one content system's pages.

Each preset is data (named CSS selectors, in order of preference) plus a few small functions, in
one module per CMS, so a new template variant is a one-line change reviewed against its fixture.
`auto` recognises VSB or WebPlus page by page; `generic` reads any other news page.
"""

from __future__ import annotations

from archiver.cms.base import Preset
from archiver.cms.detect import AUTO, detect_preset, resolve_preset
from archiver.cms.generic import GENERIC
from archiver.cms.vsb import VSB
from archiver.cms.webplus import WEBPLUS

PRESETS: dict[str, Preset] = {p.name: p for p in (VSB, WEBPLUS, AUTO, GENERIC)}

__all__ = ["PRESETS", "Preset", "detect_preset", "resolve_preset"]
