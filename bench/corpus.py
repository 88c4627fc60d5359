"""Extraction benchmark: the archiver and its peers on the real-page corpus with answer keys.

Run `python -m bench.corpus` from the project folder. It reads `../shared/corpus/real` (or
`--corpus DIR`): article pages `*.html` next to answer keys `*.truth.json`, and prints one table
row per extractor. The peers (GNE, trafilatura, readability-lxml) come from the optional extra
`bench` (`pip install -e .[bench]`); a peer that is not installed is left out with a note.

How each column is scored (the answer keys' own rules, see the corpus README):
- body F1: every paragraph has its white-space runs collapsed and is stripped; then all white
  space is removed and the character multisets of extracted and expected text are compared
  (precision, recall, F1). A page whose key has no text scores 1.0 only if nothing is extracted.
- title/date: the title must equal the key after white-space collapse; the date must equal the
  key to the key's precision (day, or minute when the key gives a time).
- image/attachment recall: expected absolute URLs found, over all pages (micro average).
- CPU: median over pages of the best of `--repeat` runs of `time.process_time()` around the
  extractor on the decoded page text (decoding is the same for all and not timed).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

import lxml.html

from archiver.cms import PRESETS
from archiver.dates import find_date
from archiver.extract import ExtractionError, decode_html, extract_article
from archiver.normalize import normalise_article

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus" / "real"
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Case:
    """One article page of the corpus and its answer key."""

    name: str
    html: str
    url: str
    truth: dict


@dataclass
class Output:
    """What an extractor said about a page, in the shape the scorer compares."""

    title: str = ""
    published: datetime | str | None = None
    text: str = ""
    images: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    has_attachments: bool = True


@dataclass
class Score:
    """The scores of one extractor on one page."""

    f1: float
    precision: float
    recall: float
    title_ok: bool
    date_ok: bool
    images: tuple[int, int]
    attachments: tuple[int, int] | None
    cpu_ms: float


def load_cases(folder: Path) -> list[Case]:
    """Every `*.truth.json` with its page; the page URL is the key's `page_url` (may be empty)."""
    cases = []
    for key in sorted(folder.rglob("*.truth.json")):
        page = key.with_name(key.name.removesuffix(".truth.json") + ".html")
        truth = json.loads(key.read_text(encoding="utf-8"))
        cases.append(Case(
            name=page.name.removesuffix(".html"),
            html=decode_html(page.read_bytes()),
            url=truth.get("page_url") or "",
            truth=truth,
        ))
    return cases


def collapse(text: str) -> str:
    """The keys' white-space rule for one paragraph or title."""
    return _WS.sub(" ", text).strip()


def char_prf(got: str, want: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the character multisets, all white space removed."""
    got_chars = Counter(_WS.sub("", got))
    want_chars = Counter(_WS.sub("", want))
    if not got_chars and not want_chars:
        return 1.0, 1.0, 1.0
    common = sum((got_chars & want_chars).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision = common / sum(got_chars.values())
    recall = common / sum(want_chars.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def date_matches(got: datetime | str | None, want: str | None) -> bool:
    """Right to the key's precision: `YYYY-MM-DD` or `YYYY-MM-DD HH:MM`."""
    if isinstance(got, str):
        got = find_date(got)
    if got is None or not want:
        return got is None and not want
    shape = "%Y-%m-%d %H:%M" if len(want) > 10 else "%Y-%m-%d"
    return got.strftime(shape) == want


def recall_counts(got: list[str], want: list[str]) -> tuple[int, int]:
    found = set(got)
    return sum(1 for item in want if item in found), len(want)


def score(case: Case, output: Output, cpu_ms: float) -> Score:
    truth = case.truth
    want_text = "\n".join(collapse(p) for p in truth["paragraphs"])
    precision, recall, f1 = char_prf(output.text, want_text)
    want_attachments = [a["href"] for a in truth["attachments"]]
    return Score(
        f1=f1,
        precision=precision,
        recall=recall,
        title_ok=collapse(output.title) == collapse(truth["title"]),
        date_ok=date_matches(output.published, truth["published"]),
        images=recall_counts(output.images, truth["images"]),
        attachments=(
            recall_counts(output.attachments, want_attachments) if output.has_attachments else None
        ),
        cpu_ms=cpu_ms,
    )


# --- extractors: each takes (html, url) and returns an Output -------------------------------------

def archiver_with(cms: str) -> Callable[[str, str], Output]:
    """The archiver's own extraction and normalisation with one preset (`auto` as crawls use)."""
    preset = PRESETS[cms]

    def run(html: str, url: str) -> Output:
        try:
            article = normalise_article(extract_article(html, url, preset))
        except ExtractionError:
            return Output()
        return Output(
            title=article.title,
            published=article.published,
            text="\n".join(article.paragraphs),
            images=article.images,
            attachments=[a.href for a in article.attachments],
        )

    return run


def gne(html: str, url: str) -> Output:
    from gne import GeneralNewsExtractor

    try:
        found = GeneralNewsExtractor().extract(html, host=url)
    except Exception:  # a peer's failure on one page scores zero, it does not stop the bench
        return Output(has_attachments=False)
    return Output(
        title=found.get("title") or "",
        published=found.get("publish_time") or None,
        text=found.get("content") or "",
        images=[urljoin(url, src) for src in found.get("images") or []],
        has_attachments=False,
    )


def trafilatura(html: str, url: str) -> Output:
    import trafilatura as lib

    doc = lib.bare_extraction(html, url=url or None, include_images=True, with_metadata=True)
    if doc is None:
        return Output(has_attachments=False)
    images = [] if doc.body is None else [
        urljoin(url, g.get("src") or "") for g in doc.body.iter("graphic") if g.get("src")
    ]
    return Output(
        title=doc.title or "",
        published=doc.date,
        text=doc.text or "",
        images=images,
        has_attachments=False,
    )


def readability(html: str, url: str) -> Output:
    from readability import Document

    doc = Document(html)
    body = lxml.html.fragment_fromstring(doc.summary(html_partial=True), create_parent="div")
    return Output(
        title=doc.short_title() or "",
        text="\n".join(t for t in body.itertext()),
        images=[urljoin(url, i.get("src")) for i in body.iter("img") if i.get("src")],
        has_attachments=False,
    )


EXTRACTORS: dict[str, Callable[[str, str], Output]] = {
    "archiver": archiver_with("auto"),
    "archiver-generic": archiver_with("generic"),
    "gne": gne,
    "trafilatura": trafilatura,
    "readability": readability,
}
DEFAULT_EXTRACTORS = ("archiver", "gne", "trafilatura")
_PEER_MODULES = {"gne": "gne", "trafilatura": "trafilatura", "readability": "readability"}


def measure(run: Callable[[str, str], Output], case: Case, repeat: int) -> Score:
    """Score one page; the CPU time is the best of `repeat` runs (the first also warms caches)."""
    best = float("inf")
    output = Output()
    for _ in range(repeat):
        start = time.process_time()
        output = run(case.html, case.url)
        best = min(best, time.process_time() - start)
    return score(case, output, best * 1000)


@dataclass
class Summary:
    name: str
    scores: list[Score]

    def row(self) -> list[str]:
        n = len(self.scores)
        f1s = [s.f1 for s in self.scores]
        images = [sum(x) for x in zip(*(s.images for s in self.scores))]
        attached = [s.attachments for s in self.scores if s.attachments is not None]
        att = [sum(x) for x in zip(*attached)] if attached else None
        return [
            self.name,
            f"{statistics.fmean(f1s):.3f}",
            f"{min(f1s):.3f}",
            f"{sum(s.title_ok for s in self.scores)}/{n}",
            f"{sum(s.date_ok for s in self.scores)}/{n}",
            f"{images[0] / images[1]:.2f}" if images and images[1] else "-",
            f"{att[0] / att[1]:.2f}" if att and att[1] else "-",
            f"{statistics.median(s.cpu_ms for s in self.scores):.1f} ms",
        ]


HEADER = ["extractor", "mean F1", "worst F1", "title", "date", "image recall",
          "attachment recall", "median CPU/page"]


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def detail_table(cases: list[Case], summaries: list[Summary]) -> str:
    """Per page: F1 (precision/recall) and title/date marks for each extractor."""
    lines = ["| page | " + " | ".join(s.name for s in summaries) + " |",
             "|---|" + "---|" * len(summaries)]
    for index, case in enumerate(cases):
        cells = []
        for summary in summaries:
            s = summary.scores[index]
            marks = ("T" if s.title_ok else "t") + ("D" if s.date_ok else "d")
            cells.append(f"{s.f1:.3f} ({s.precision:.2f}/{s.recall:.2f}) {marks}")
        lines.append(f"| {case.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def available(name: str) -> bool:
    module = _PEER_MODULES.get(name)
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"folder with *.html and *.truth.json (default {DEFAULT_CORPUS})")
    parser.add_argument("--extractors", default=",".join(DEFAULT_EXTRACTORS),
                        help=f"comma-separated, from: {', '.join(EXTRACTORS)}")
    parser.add_argument("--repeat", type=int, default=5, help="runs per page for CPU time")
    parser.add_argument("--detail", action="store_true", help="also print a per-page table")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"bench.corpus: skipped: corpus folder {args.corpus} not found "
              "(pass --corpus DIR)")
        return 0
    names = [n.strip() for n in args.extractors.split(",") if n.strip()]
    unknown = [n for n in names if n not in EXTRACTORS]
    if unknown:
        parser.error(f"unknown extractor {unknown[0]!r} (known: {', '.join(EXTRACTORS)})")
    cases = load_cases(args.corpus)
    if not cases:
        print(f"bench.corpus: skipped: no *.truth.json in {args.corpus}")
        return 0
    summaries = []
    for name in names:
        if not available(name):
            print(f"bench.corpus: {name} is not installed (pip install -e .[bench]); left out",
                  file=sys.stderr)
            continue
        run = EXTRACTORS[name]
        summaries.append(Summary(name, [measure(run, case, args.repeat) for case in cases]))
    print(f"{len(cases)} article pages from {args.corpus}\n")
    print(markdown_table([s.row() for s in summaries]))
    if args.detail:
        print()
        print(detail_table(cases, summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
