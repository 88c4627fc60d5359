"""What the front matter tells an export: id, archive date, site name and the page's own title.

The front matter holds derived values: `title` is the source's `title_format` filled with the
site name, label and article title (`哈尔滨工程大学->标题 | hrbeu.com.cn`), `tags` and
`categories` are templates over the name and label. Reading them back means matching the
templates: with the source's configuration when the sources file has it, otherwise with the
default front-matter layout (`archiver.config.FrontMatter()`), which is what every source uses
unless its owner changed it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml

from archiver.config import FrontMatter, Source
from archiver.article_file.parse import ArticleFileError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_FRONT_MATTER = FrontMatter()
# In a template, the article title may hold anything and is matched longest-first; any other
# field (name, label) shortest-first, so a title that contains the separator stays whole.
_TITLE_FIELD = "title"


@dataclass(frozen=True)
class FrontMatterFields:
    """The front-matter values an export uses."""

    title: str
    date: datetime
    urlname: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]


def read_front_matter(text: str) -> FrontMatterFields:
    """Parse the YAML between the fences (PyYAML, as the format is verified against)."""
    try:
        data = yaml.load(text, Loader=_LOADER)  # a safe loader (libyaml's when available)
    except yaml.YAMLError as exc:
        raise ArticleFileError(f"front matter is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ArticleFileError("front matter is not a mapping")
    missing = [key for key in ("title", "date", "urlname") if data.get(key) in (None, "")]
    if missing:
        raise ArticleFileError(f"front matter has no {', '.join(missing)}")
    return FrontMatterFields(
        title=str(data["title"]),
        date=_front_matter_date(data["date"]),
        urlname=str(data["urlname"]),
        tags=_strings(data.get("tags")),
        categories=_strings(data.get("categories")),
    )


def _front_matter_date(value: Any) -> datetime:
    """PyYAML reads `2021-11-26 01:22:02.872027` as a datetime; a quoted one stays text."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ArticleFileError(f"front matter date {value!r} is not a date and time") from None


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value if item is not None)
    return ()


def source_layout(
    fields: FrontMatterFields, configured: Source | None
) -> tuple[dict[str, str], FrontMatter]:
    """The site name/label and front-matter layout of a file: the configured source's when the
    sources file has it, else what the default layout's templates recover from the file."""
    if configured is not None:
        return {"name": configured.name, "label": configured.label}, configured.front_matter
    return site_names(fields), DEFAULT_FRONT_MATTER


def site_names(fields: FrontMatterFields, layout: FrontMatter = DEFAULT_FRONT_MATTER) -> dict[str, str]:
    """The site `name` and `label` that filled the tag and category templates of `layout`.

    Only a file that follows the layout entirely counts (as many tags and categories as it has
    templates, each fitting its template, the same name wherever it appears); for any other
    file nothing is known, rather than a guess from a layout it does not follow.
    """
    pairs = list(zip(layout.tags, fields.tags)) + list(zip(layout.categories, fields.categories))
    if (len(fields.tags), len(fields.categories)) != (len(layout.tags), len(layout.categories)):
        return {}
    known: dict[str, str] = {}
    for template, value in pairs:
        found = match_template(template, value, known)
        if found is None:
            return {}
        known = found
    return known


def article_title(fields: FrontMatterFields, layout: FrontMatter, names: dict[str, str]) -> str | None:
    """The page's title inside the front-matter title, or None if it does not fit the format."""
    found = match_template(layout.title_format, fields.title, names)
    return found.get(_TITLE_FIELD) if found else None


def match_template(template: str, value: str, known: dict[str, str]) -> dict[str, str] | None:
    """The fields of a `str.format` template that produce `value`, given the `known` ones.

    `match_template("{name}->{title} | {label}", "甲->乙 | c", {"name": "甲"})` is
    `{"name": "甲", "title": "乙", "label": "c"}`; None when `value` does not fit.
    """
    pattern: list[str] = []
    seen: set[str] = set()
    for literal, field, _, _ in string.Formatter().parse(template):
        pattern.append(re.escape(literal))
        if field is None:
            continue
        if field in known:
            pattern.append(re.escape(known[field]))
        elif field in seen:
            pattern.append(f"(?P={field})")
        elif field.isidentifier():
            seen.add(field)
            pattern.append(f"(?P<{field}>.*)" if field == _TITLE_FIELD else f"(?P<{field}>.+?)")
        else:
            return None
    match = re.fullmatch("".join(pattern), value, re.DOTALL)
    return {**known, **match.groupdict()} if match else None
