"""Adding a source to `sources.yaml` safely (`archiver probe URL --add-to FILE`).

`probe URL > sources.yaml` replaced the file (and left it empty when the probe failed);
`>>` added a second `sources:` key. Here the existing file must be valid first, the new entry
goes under the one `sources:` mapping at its indentation (or replaces the entry of the same id
with `--replace`, in place), the result is validated as a whole, and only then does it replace
the file atomically: a crawl reading the file meanwhile sees the old file or the new one.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import MappingNode

from archiver.config import ConfigError, load_config, parse_config
from archiver.storage import write_atomic

INDENT = 2  # how `entry` (below) indents the source id


def add_source(path: Path, source_id: str, entry: str, replace: bool = False) -> str:
    """Put `entry` ("  id:\\n    name: …\\n", comments allowed) into the file at `path` and
    return what was done, in words; ConfigError (nothing written) when that is not possible."""
    if not path.exists():
        new_text, done = "sources:\n" + entry, "created"
    else:
        old = load_config(path)
        text = path.read_text(encoding="utf-8")
        if source_id in old.sources and not replace:
            raise ConfigError(f"{path}: source {source_id!r} is already configured; pass --replace "
                              "to overwrite it, or --id to add it under another id")
        new_text = _insert(path, text, source_id, entry)
        done = "replaced" if source_id in old.sources else "added"
    config = parse_config(new_text, path)
    if source_id not in config.sources:
        raise ConfigError(f"{path}: the new source would not be read back; add it by hand")
    write_atomic(path, new_text.encode("utf-8"))
    return f"{done} source {source_id!r} in {path} ({len(config.sources)} sources)"


def _insert(path: Path, text: str, source_id: str, entry: str) -> str:
    """`text` with `entry` appended to, or replacing `source_id`'s entry in, `sources:`."""
    sources = _sources_node(path, text)
    keys = [key for key, _ in sources.value]
    block = _reindent(entry, keys[0].start_mark.column)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    ids = [key.value for key in keys]
    if source_id not in ids:
        return "".join(lines + block)
    at = ids.index(source_id)
    start = keys[at].start_mark.line
    end_mark = keys[at + 1].start_mark if at + 1 < len(keys) else sources.end_mark
    last_line_included = at + 1 == len(keys) and end_mark.column > 0
    end = end_mark.line + 1 if last_line_included else end_mark.line
    return "".join(lines[:start] + block + lines[end:])


def _reindent(entry: str, indent: int) -> list[str]:
    """`entry`'s lines shifted so its id sits at the file's own source-id column."""
    shift = indent - INDENT
    return [line if line.startswith("#") else (" " * shift + line if shift >= 0 else line[-shift:])
            for line in entry.splitlines(keepends=True)]


def _sources_node(path: Path, text: str) -> MappingNode:
    """The block-style mapping under `sources:` (the file is already known to be valid)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = next(value for key, value in root.value if key.value == "sources")
    if not isinstance(node, MappingNode) or node.flow_style:
        raise ConfigError(f"{path}: 'sources' is written in flow style ({{…}}); add the source by hand")
    return node
