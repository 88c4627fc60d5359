"""Sources configuration: read `sources.yaml`, validate it, and build typed `Source` objects.

Scrapy itself accepts any setting name silently; a news archive run from cron cannot afford that,
so every key here is checked at start-up and a mistake is reported with the file, the source and
the key (exit code 2 in the CLI) before a single request is made.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from cssselect import GenericTranslator, SelectorError

from archiver.cms import PRESETS
from archiver.config_yaml import MAX_BYTES, YamlRefused, load_checked, shown

CONFIG_ENV = "ARCHIVER_CONFIG"
DEFAULT_CONFIG_NAME = "sources.yaml"


class ConfigError(Exception):
    """The sources file is missing, unreadable or invalid: one line per problem, each naming the
    file, the source and the key, so a user fixes every mistake in one go."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


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
    # Who runs the crawl (URL or address), put into the User-Agent: top-level `contact:` key.
    contact: str = ""

    def settings(self) -> dict[str, str]:
        """Scrapy settings the file sets (`-s` on the command line wins)."""
        return {"ARCHIVER_CONTACT": self.contact} if self.contact else {}

    def select(self, names: list[str] | tuple[str, ...]) -> list[Source]:
        """The named sources (all when `names` is empty); an unknown name is a ConfigError."""
        if not names:
            return list(self.sources.values())
        known = ", ".join(self.sources) or "none"
        unknown = [
            f"{self.path}: unknown source {shown(n)}{_suggest(n, self.sources)} (configured: {known})"
            for n in names if n not in self.sources
        ]
        if unknown:
            raise ConfigError(unknown)
        return [self.sources[n] for n in names]


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The sources file to use: `--config`, else `$ARCHIVER_CONFIG`, else `./sources.yaml`."""
    chosen = explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME
    path = Path(chosen)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; the sources file is a YAML file "
                          f"(pass --config FILE or set {CONFIG_ENV})")
    if not path.is_file():
        raise ConfigError(
            f"{path}: sources file not found (pass --config FILE or set {CONFIG_ENV})"
        )
    return path


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the sources file (see `find_config` for where it is looked for)."""
    path = find_config(explicit)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # never more than the cap into memory
        if len(data) > MAX_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_BYTES // 1024} KiB "
                              "(a sources file is a few KiB); not read")
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate YAML text; every problem is reported at once, naming file, source and key."""
    try:
        data, duplicates = load_checked(text)
    except YamlRefused as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    problems = [_duplicate_message(path, *dup) for dup in duplicates]
    if not isinstance(data, dict):
        raise ConfigError([*problems, f"{path}: expected a mapping with a 'sources' key at the top level"])
    _reject_unknown(data, {"sources", "contact"}, f"{path}", problems)
    contact = data.get("contact") or ""
    if not isinstance(contact, str):
        problems.append(f"{path}: 'contact' must be a URL or mail address (text)")
        contact = ""
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, dict) or not raw_sources:
        raise ConfigError([*problems,
                           f"{path}: 'sources' must be a non-empty mapping of source id to settings"])
    sources = {}
    for source_id, raw in raw_sources.items():
        where = f"{path}: source {shown(source_id)}"
        if not isinstance(source_id, str) or not source_id.replace("_", "").replace("-", "").isalnum():
            problems.append(f"{where}: source ids must be letters, digits, '-' or '_'")
        elif not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping of settings")
        else:
            try:
                sources[source_id] = build_source(source_id, raw, where)
            except ConfigError as exc:
                problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return Config(path=path, sources=sources, contact=contact.strip())


def _duplicate_message(path: Path, keys: list[str], key: str, first: int, second: int) -> str:
    if keys == ["sources"]:
        return (f"{path}: duplicate source id {key!r} (lines {first} and {second}); "
                "each source needs its own id")
    if not keys:
        return (f"{path}: duplicate top-level key {key!r} (lines {first} and {second}); "
                "YAML would keep only the last (add sources under the one 'sources:')")
    where = f"source {keys[1]!r}: " if len(keys) > 1 and keys[0] == "sources" else ""
    inner = ".".join(keys[2:] + [key]) if where else ".".join(keys + [key])
    return f"{path}: {where}duplicate key {inner!r} (lines {first} and {second})"


def build_source(source_id: str, raw: Mapping[str, Any], where: str) -> Source:
    """One `Source` from its YAML mapping, with defaults filled in and every value checked;
    a ConfigError lists every problem of the source."""
    problems: list[str] = []
    if raw.get("warc") is False:  # YAML 1.1 reads an unquoted `warc: off` as false
        raw = {**raw, "warc": "off"}
    values = _fields(Source, raw, where, problems, skip={"id"})
    _check_values(values, where, problems)
    groups = {"list": ListRules, "article": ArticleRules, "front_matter": FrontMatter}
    for group, cls in groups.items():
        fields = _fields(cls, raw.get(group) or {}, f"{where}: key '{group}'", problems)
        values[group] = cls(**fields)
    for group in ("list", "article"):
        for key, selector in dataclasses.asdict(values[group]).items():
            if selector is not None:
                _check_selector(selector, f"{where}: key '{group}.{key}'", problems)
    if problems:
        raise ConfigError(problems)
    source = Source(id=source_id, **values)
    _check_format(source, where, problems)
    if not source.list_items_selector:  # cms: generic knows no list template
        problems.append(f"{where}: key 'list.items': cms {source.cms!r} has no default; "
                        "set it (`archiver probe URL` proposes one)")
    if problems:
        raise ConfigError(problems)
    return source


def _check_values(values: dict[str, Any], where: str, problems: list[str]) -> None:
    """Checks of single values beyond their type; fills in `allowed_domains`."""
    cms = values.get("cms", "auto")
    if cms not in PRESETS:
        problems.append(f"{where}: key 'cms': unknown CMS {shown(cms)}{_suggest(cms, PRESETS)} "
                        f"(known: {', '.join(PRESETS)})")
        values.pop("cms")
    start_urls = values.get("start_urls", ())
    if "start_urls" in values and not start_urls:
        problems.append(f"{where}: key 'start_urls': needs at least one URL")
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"{where}: key 'start_urls': not an http(s) URL: {shown(url)}")
    if not values.get("allowed_domains"):
        values["allowed_domains"] = tuple(dict.fromkeys(urlsplit(u).hostname for u in start_urls))
    for key, allowed in (("slug", SLUG_RULES), ("image_links", IMAGE_LINK_MODES), ("warc", WARC_MODES)):
        if key in values and values[key] not in allowed:
            problems.append(f"{where}: key '{key}': must be one of {', '.join(allowed)}, "
                            f"got {shown(values[key])}{_suggest(values[key], allowed)}")
    if values.get("summary_chars", 200) < 0:
        problems.append(f"{where}: key 'summary_chars': must be 0 or more")


def _check_selector(selector: str, where: str, problems: list[str]) -> None:
    """Refuse a CSS selector that cssselect cannot compile, at start-up rather than mid-crawl."""
    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        problems.append(f"{where}: bad CSS selector {shown(selector)}: {exc}")


_NESTED = {"list", "article", "front_matter"}


def _fields(cls: type, raw: Any, where: str, problems: list[str],
            skip: frozenset[str] | set[str] = frozenset()) -> dict:
    """Check `raw` against the dataclass `cls`: known keys, required keys and simple types.
    Problems are appended; the values that passed are returned."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping")
        return {}
    specs = {f.name: f for f in dataclasses.fields(cls) if f.name not in skip}
    _reject_unknown(raw, set(specs), where, problems)
    values: dict[str, Any] = {}
    for name, spec in specs.items():
        required = (
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        )
        if name not in raw:
            if required:
                problems.append(f"{where}: missing required key '{name}'")
            continue
        if name in _NESTED:
            continue
        try:
            values[name] = _coerce(raw[name], spec, f"{where}: key '{name}'")
        except ConfigError as exc:
            problems += exc.problems
    return values


def _coerce(value: Any, spec: dataclasses.Field, where: str) -> Any:
    """Check one scalar or list value against the dataclass field's declared type."""
    kind = str(spec.type)
    if kind.startswith("tuple"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            raise ConfigError(f"{where}: expected a list of non-empty strings, got {shown(value)}")
        return tuple(items)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {shown(value)}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {shown(value)}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a non-empty string, got {shown(value)}")
    return value


def _reject_unknown(raw: Mapping[str, Any], known: set[str], where: str, problems: list[str]) -> None:
    """One problem per unknown key, with the closest allowed key when one is close."""
    for key in sorted(shown(k) if not isinstance(k, str) else k for k in raw if k not in known):
        hint = _suggest(key, known) or f" (allowed: {', '.join(sorted(known))})"
        problems.append(f"{where}: unknown key {shown(key)}{hint}")


def _suggest(word: object, choices: Iterable[str]) -> str:
    """` (did you mean 'label'?)` when one choice is close to `word`, else ``."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_format(source: Source, where: str, problems: list[str]) -> None:
    """Front-matter templates may use only {name}, {label} and (for the title) {title}."""
    fm = source.front_matter
    templates = [("front_matter.title_format", fm.title_format)]
    templates += [("front_matter.tags", t) for t in fm.tags]
    templates += [("front_matter.categories", c) for c in fm.categories]
    for key, template in templates:
        try:
            template.format(name=source.name, label=source.label, title="T")
        except (KeyError, IndexError, ValueError) as exc:
            problems.append(
                f"{where}: key '{key}': bad template {shown(template)} "
                f"(placeholders: {{name}}, {{label}}, {{title}}): {exc}"
            )
