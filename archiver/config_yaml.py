"""Reading `sources.yaml` safely: a size cap, an alias-expansion cap, and duplicate keys found.

`yaml.safe_load` is safe from code execution but not from a small file that expands into a huge
value (an "alias bomb": each level's list repeats the previous level's anchor), and it silently
keeps the last of two equal keys, so `archiver probe URL >> sources.yaml`, which adds a second
`sources:`, would drop every existing source. This loader measures the expanded size of the
composed node graph (shared nodes counted once per use, memoised, so the check itself is linear
in the file) before anything is constructed, and reports every duplicate key with its lines.
"""

from __future__ import annotations

import reprlib

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# A sources file of a few hundred sites is some tens of KiB; 1 MiB leaves room and refuses junk.
MAX_BYTES = 1024 * 1024
# Nodes after expanding aliases: a 1 MiB file without aliases has fewer than this.
MAX_EXPANDED_NODES = 200_000

_MERGE_TAG = "tag:yaml.org,2002:merge"
_SHOWN = reprlib.Repr()
_SHOWN.maxstring = 80
_SHOWN.maxother = 80
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 4
_SHOWN.maxlevel = 2


def shown(value: object) -> str:
    """`repr(value)` cut short: an error message never formats a whole huge value."""
    return _SHOWN.repr(value)


class YamlRefused(Exception):
    """The text is too big, expands too much, or is not YAML; the message says which."""


class _CheckedLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys and refuses explosive alias expansion."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.duplicates: list[tuple[list[str], str, int, int]] = []
        self._root: Node | None = None

    def compose_document(self) -> Node:
        node = super().compose_document()
        expanded_size(node, MAX_EXPANDED_NODES)
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=deep)
            if key is None or not isinstance(key, (str, int, float, bool)):
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                self.duplicates.append((self._path(node), str(key), seen[key], line))
            else:
                seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def _path(self, node: MappingNode) -> list[str]:
        """Keys leading to `node` from the document root (for `source 'x'` in messages)."""
        return _paths(self._root).get(id(node), []) if self._root is not None else []

    def get_single_node(self) -> Node | None:
        self._root = super().get_single_node()
        return self._root


def _paths(root: Node) -> dict[int, list[str]]:
    """Map each mapping node reachable through plain keys (no aliases) to its key path."""
    found: dict[int, list[str]] = {}
    stack: list[tuple[Node, list[str]]] = [(root, [])]
    while stack:
        node, path = stack.pop()
        if not isinstance(node, MappingNode) or id(node) in found or len(path) > 3:
            continue
        found[id(node)] = path
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                stack.append((value, [*path, key.value]))
    return found


def expanded_size(root: Node, limit: int) -> int:
    """How many nodes `root` stands for once every alias is expanded; YamlRefused past `limit`
    or on a recursive alias. Each distinct node is sized once (iteratively, no recursion)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        kids = _children(node)
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(k)] for k in kids)
            if sizes[id(node)] > limit:
                raise YamlRefused(f"aliases expand to more than {limit:,} values (an alias bomb?)")
            continue
        if id(node) in open_nodes:
            raise YamlRefused(f"recursive alias at line {node.start_mark.line + 1}")
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_checked(text: str) -> tuple[object, list[tuple[list[str], str, int, int]]]:
    """The document and its duplicate keys as (path, key, first line, second line)."""
    if len(text) > MAX_BYTES:
        raise YamlRefused(f"larger than {MAX_BYTES // 1024} KiB (a sources file is a few KiB)")
    loader = _CheckedLoader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    except yaml.YAMLError as exc:
        raise YamlRefused(f"not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
