"""CMS presets: the selectors and heuristics that read one content system's pages.

Each preset is data (named CSS selectors, in order of preference) plus a few small functions, in
one module per CMS, so a new template variant is a one-line change reviewed against its fixture.
"""

from __future__ import annotations

from archiver.cms.base import Preset
from archiver.cms.vsb import VSB

PRESETS: dict[str, Preset] = {VSB.name: VSB}

__all__ = ["PRESETS", "Preset"]
