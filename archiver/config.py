"""Sources configuration: read `sources.yaml`, validate it, and build typed `Source` objects.

Scrapy itself accepts any setting name silently; a news archive run from cron cannot afford that,
so every key here is checked at start-up and a mistake is reported with the file, the source and
the key (exit code 2 in the CLI) before a single request is made.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import yaml
from cssselect import GenericTranslator, SelectorError

from archiver.cms import PRESETS

CONFIG_ENV = "ARCHIVER_CONFIG"
DEFAULT_CONFIG_NAME = "sources.yaml"


class ConfigError(Exception):
    """The sources file is missing, unreadable or invalid; the message names file, source and key."""


@dataclass(frozen=True)
class ListRules:
    """How to read a list page: where the article links are and which link leads to older news."""

    items: str | None = None
    next_page: str | None = None


@dataclass(frozen=True)
class ArticleRules:
    """Optional CSS selectors that override the CMS preset for one site's article pages."""

    title: str | None = None
    date: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class FrontMatter:
    """The per-source parts of the Hugo front matter; the defaults reproduce the sample file."""

    title_format: str = "{name}->{title} | {label}"
    tags: tuple[str, ...] = ("{name}",)
    categories: tuple[str, ...] = ("{label}", "{name}")
    authorbox: bool = False
    sidebar: bool = False


SLUG_RULES = ("md5", "title")
# Where the Markdown's media links point: the site's URLs (the sample) or the archived copies.
IMAGE_LINK_MODES = ("original", "local")
# What the raw WARC capture keeps (archiver.warc): robots.txt, lists and articles; media too; nothing.
WARC_MODES = ("pages", "all", "off")


@dataclass(frozen=True)
class Source:
    """One news site to archive, as configured under `sources:` in the YAML file."""

    id: str
    name: str
    label: str
    start_urls: tuple[str, ...]
    cms: str = "auto"
    allowed_domains: tuple[str, ...] = ()
    list: ListRules = field(default_factory=ListRules)
    article: ArticleRules = field(default_factory=ArticleRules)
    front_matter: FrontMatter = field(default_factory=FrontMatter)
    summary_chars: int = 200
    source_link_text: str = "转入文章首发地址"
    slug: str = "md5"
    image_links: str = "original"
    download_videos: bool = False
    # None: the ARCHIVER_WARC setting decides.
    warc: str | None = None

    @property
    def preset(self):  # -> archiver.cms.Preset (import cycle-free annotation omitted)
        """The CMS preset whose selectors apply where this source sets none."""
        return PRESETS[self.cms]

    @property
    def list_items_selector(self) -> str:
        return self.list.items or self.preset.list_items

    @property
    def next_page_selector(self) -> str:
        return self.list.next_page or self.preset.next_page


@dataclass(frozen=True)
class Config:
    """All configured sources, in file order, and the file they came from."""

    path: Path
    sources: dict[str, Source]

    def select(self, names: list[str] | tuple[str, ...]) -> list[Source]:
        """The named sources (all when `names` is empty); an unknown name is a ConfigError."""
        if not names:
            return list(self.sources.values())
        unknown = [n for n in names if n not in self.sources]
        if unknown:
            known = ", ".join(self.sources) or "none"
            raise ConfigError(f"{self.path}: unknown source {unknown[0]!r} (configured: {known})")
        return [self.sources[n] for n in names]


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The sources file to use: `--config`, else `$ARCHIVER_CONFIG`, else `./sources.yaml`."""
    chosen = explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME
    path = Path(chosen)
    if not path.is_file():
        raise ConfigError(
            f"{path}: sources file not found (pass --config FILE or set {CONFIG_ENV})"
        )
    return path


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the sources file (see `find_config` for where it is looked for)."""
    path = find_config(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate YAML text; every error names the file, the source and the key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'sources' key at the top level")
    _reject_unknown(data, {"sources"}, f"{path}")
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, dict) or not raw_sources:
        raise ConfigError(f"{path}: 'sources' must be a non-empty mapping of source id to settings")
    sources = {}
    for source_id, raw in raw_sources.items():
        where = f"{path}: source {source_id!r}"
        if not isinstance(source_id, str) or not source_id.replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"{where}: source ids must be letters, digits, '-' or '_'")
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a mapping of settings")
        sources[source_id] = build_source(source_id, raw, where)
    return Config(path=path, sources=sources)


def build_source(source_id: str, raw: Mapping[str, Any], where: str) -> Source:
    """One `Source` from its YAML mapping, with defaults filled in and every value checked."""
    if raw.get("warc") is False:  # YAML 1.1 reads an unquoted `warc: off` as false
        raw = {**raw, "warc": "off"}
    values = _fields(Source, raw, where, skip={"id"})
    cms = values.get("cms", "auto")
    if cms not in PRESETS:
        raise ConfigError(f"{where}: key 'cms': unknown CMS {cms!r} (known: {', '.join(PRESETS)})")
    start_urls = tuple(values["start_urls"])
    if not start_urls:
        raise ConfigError(f"{where}: key 'start_urls': needs at least one URL")
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where}: key 'start_urls': not an http(s) URL: {url!r}")
    if not values.get("allowed_domains"):
        values["allowed_domains"] = tuple(dict.fromkeys(urlsplit(u).hostname for u in start_urls))
    if values.get("slug", "md5") not in SLUG_RULES:
        raise ConfigError(f"{where}: key 'slug': must be one of {', '.join(SLUG_RULES)}")
    if values.get("image_links", "original") not in IMAGE_LINK_MODES:
        raise ConfigError(
            f"{where}: key 'image_links': must be one of {', '.join(IMAGE_LINK_MODES)}, "
            f"got {values['image_links']!r}"
        )
    if values.get("warc", "pages") not in WARC_MODES:
        raise ConfigError(
            f"{where}: key 'warc': must be one of {', '.join(WARC_MODES)}, got {values['warc']!r}"
        )
    if values.get("summary_chars", 200) < 0:
        raise ConfigError(f"{where}: key 'summary_chars': must be 0 or more")
    values["list"] = ListRules(**_fields(ListRules, raw.get("list") or {}, f"{where}: key 'list'"))
    values["article"] = ArticleRules(
        **_fields(ArticleRules, raw.get("article") or {}, f"{where}: key 'article'")
    )
    values["front_matter"] = FrontMatter(
        **_fields(FrontMatter, raw.get("front_matter") or {}, f"{where}: key 'front_matter'")
    )
    for group in ("list", "article"):
        for key, selector in dataclasses.asdict(values[group]).items():
            if selector is not None:
                check_selector(selector, f"{where}: key '{group}.{key}'")
    source = Source(id=source_id, **values)
    _check_format(source, where)
    if not source.list_items_selector:  # cms: generic knows no list template
        raise ConfigError(f"{where}: key 'list.items': cms {source.cms!r} has no default; "
                          "set it (`archiver probe URL` proposes one)")
    return source


def check_selector(selector: str, where: str) -> None:
    """Refuse a CSS selector that cssselect cannot compile, at start-up rather than mid-crawl."""
    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise ConfigError(f"{where}: bad CSS selector {selector!r}: {exc}") from exc


_NESTED = {"list", "article", "front_matter"}


def _fields(cls: type, raw: Any, where: str, skip: frozenset[str] | set[str] = frozenset()) -> dict:
    """Check `raw` against the dataclass `cls`: known keys, required keys and simple types."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping")
    specs = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    _reject_unknown(raw, set(specs), where)
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        required = (
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        )
        if name not in raw:
            if required:
                raise ConfigError(f"{where}: missing required key '{name}'")
            continue
        if name in _NESTED:
            continue
        values[name] = _coerce(raw[name], spec, f"{where}: key '{name}'")
    return values


def _coerce(value: Any, spec: dataclasses.Field, where: str) -> Any:
    """Check one scalar or list value against the dataclass field's declared type."""
    kind = str(spec.type)
    if kind.startswith("tuple"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            raise ConfigError(f"{where}: expected a list of non-empty strings")
        return tuple(items)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _reject_unknown(raw: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key '{unknown[0]}' (allowed: {', '.join(sorted(known))})"
        )


def _check_format(source: Source, where: str) -> None:
    """Front-matter templates may use only {name}, {label} and (for the title) {title}."""
    fm = source.front_matter
    templates = [("front_matter.title_format", fm.title_format)]
    templates += [("front_matter.tags", t) for t in fm.tags]
    templates += [("front_matter.categories", c) for c in fm.categories]
    for key, template in templates:
        try:
            template.format(name=source.name, label=source.label, title="T")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"{where}: key '{key}': bad template {template!r} "
                f"(placeholders: {{name}}, {{label}}, {{title}}): {exc}"
            ) from exc
