"""Imports run one way: a module imports only from its own layer or the layers below it.

`LAYERS` is the README's layer table ("How it works", between `<!-- layers -->` marks), lowest
first; a module belongs to the layer of its longest matching entry (`archiver.media.found`
before `archiver.media`). The test reads every import of `archiver/` and `spiders/` with `ast`,
also those inside functions (imported late, but still a dependency), so a change that makes,
say, the renderer reach into the catalog fails here, naming the import.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("leaves", (
        "archiver", "archiver.urls", "archiver.url_policy", "archiver.clock", "archiver.dates",
        "archiver.css", "archiver.doctree", "archiver.failures", "archiver.refusals",
        "archiver.disk", "archiver.logs", "archiver.settings", "archiver.setting_checks",
        "archiver.plan", "archiver.config_yaml", "archiver.media.options", "archiver.warc.errors",
    )),
    ("extraction", (
        "archiver.cms", "archiver.config", "archiver.extract", "archiver.titles", "archiver.nodes",
        "archiver.media.found",
    )),
    ("normalisation", ("archiver.cleanup", "archiver.markdown", "archiver.normalize")),
    ("rendering", (
        "archiver.article_file",
        "archiver.export.markdown_text",
    )),
    ("storage", (
        "archiver.catalog", "archiver.storage", "archiver.lock", "archiver.media",
        "archiver.warc.files", "archiver.warc.cdxj", "archiver.warc.http",
    )),
    ("crawling", (
        "spiders", "archiver.items", "archiver.page", "archiver.page_workers", "archiver.run_context",
        "archiver.write_batch", "archiver.prepare",
        "archiver.pipelines", "archiver.middlewares", "archiver.url_guard", "archiver.politeness",
        "archiver.progress", "archiver.runner", "archiver.media.pipeline", "archiver.media.retries",
        "archiver.warc", "archiver.warc.capture", "archiver.warc.replay",
    )),
    ("operations", (
        "archiver.verify", "archiver.repair", "archiver.export", "archiver.report", "archiver.site",
        "archiver.sources_edit", "archiver.warc.rebuild", "archiver.replica",
    )),
    ("CLI", ("archiver.cli", "archiver.__main__", "archiver.commands", "archiver.cluster")),
]
PACKAGES = ("archiver", "spiders")


def layer_of(module: str) -> int:
    """The index in `LAYERS` of the longest entry that is `module` or a package holding it;
    LookupError for a module the table does not place."""
    best, length = -1, -1
    for index, (_, entries) in enumerate(LAYERS):
        for entry in entries:
            # `archiver` is the package's own __init__ only: a new module must be placed.
            inside = module.startswith(entry + ".") and entry != "archiver"
            if (module == entry or inside) and len(entry) > length:
                best, length = index, len(entry)
    if best < 0:
        raise LookupError(f"{module} is in no layer of the README's table")
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_imports(path: Path, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) of every import of ours in the file, `from a import b` as `a.b` when `b`
    is a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((node.lineno, sub if sub in known else node.module))
    return [(line, name) for line, name in found if name.split(".")[0] in PACKAGES]


def python_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_every_module_imports_only_from_its_layer_or_below() -> None:
    files = python_files()
    known = {module_name(p) for p in files}
    upward = []
    for path in files:
        importer = module_name(path)
        own = layer_of(importer)
        for line, imported in our_imports(path, known):
            if layer_of(imported) > own:
                upward.append(f"{path.relative_to(ROOT)}:{line} {importer} ({LAYERS[own][0]}) imports "
                              f"{imported} ({LAYERS[layer_of(imported)][0]})")
    assert upward == []


def test_the_readme_table_is_this_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- layers -->\n", 1)[1].split("<!-- /layers -->", 1)[0]
    rows = [line.split("|")[1:3] for line in table.splitlines() if line.startswith("| ") and "`" in line]
    documented = [(name.strip().split(". ", 1)[1], tuple(re.findall(r"`([^`]+)`", modules)))
                  for name, modules in rows]
    assert documented == LAYERS


@pytest.mark.parametrize("importer, imported", [
    ("archiver.article_file.render", "archiver.catalog"), ("archiver.extract", "archiver.cleanup"),
    ("archiver.urls", "archiver.extract"), ("archiver.pipelines", "archiver.verify"),
])
def test_an_upward_import_is_caught(importer: str, imported: str) -> None:
    assert layer_of(imported) > layer_of(importer)


def test_a_module_the_table_does_not_place_is_an_error() -> None:
    with pytest.raises(LookupError):
        layer_of("archiver.somewhere_new")
