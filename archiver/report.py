"""The end-of-run summary: what a person reads after a crawl and what monitoring reads (JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.disk import EXIT_DISK_ERROR, STAT as DISK_ERROR_STAT

if TYPE_CHECKING:
    from archiver.runner import CrawlResult

# sysexits.h EX_SOFTWARE: the crawl itself broke (an exception in Scrapy's machinery).
EXIT_SOFTWARE = 70
ARTICLE_OUTCOMES = ("new", "updated", "unchanged", "failed", "known")
# Media downloads: fetched and stored, refused or failed, found already archived, bytes fetched.
MEDIA_OUTCOMES = ("downloaded", "failed", "reused", "bytes")
# How the run rode through faults: requests retried (Scrapy's `retry/*` stats) and given up on,
# waits before retrying, Retry-After headers honoured or too long, redirect loops cut.
RETRY_STATS = {
    "retried": "retry/count",
    "gave_up": "retry/max_reached",
    "waited": "archiver/retry/waited",
    "retry_after": "archiver/retry/retry_after",
    "retry_after_too_long": "archiver/retry/retry_after_too_long",
    "redirect_loops": "archiver/redirect/loop",
}


@dataclass
class RunReport:
    """Counts per source and in total, the failed URLs, and the exit code the run ends with."""

    command: str
    started: str
    finished: str
    seconds: float
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What the disk said when a refused write stopped the run (`archiver.disk`), else None.
    disk_error: str | None = None

    @classmethod
    def from_results(cls, command: str, started: str, finished: str, seconds: float,
                     results: list[CrawlResult]) -> RunReport:
        report = cls(command, started, finished, round(seconds, 3))
        for result in results:
            stats = result.stats
            report.sources[result.source] = {
                "list_pages": int(stats.get("archiver/list_pages", 0)),
                "list_pages_failed": int(stats.get("archiver/list_pages_failed", 0)),
                "list_pages_missing": int(stats.get("archiver/list_pages_missing", 0)),
                "articles": {o: int(stats.get(f"archiver/articles/{o}", 0)) for o in ARTICLE_OUTCOMES},
                "failed_articles_by_reason": _by_reason(stats, "archiver/articles/failed/"),
                "failed_list_pages_by_reason": _by_reason(stats, "archiver/list_pages_failed/"),
                "refused_by_reason": _by_reason(stats, "archiver/refused/"),
                "failed_media_by_reason": _by_reason(stats, "archiver/media/failed/"),
                "retries": {name: int(stats.get(key, 0)) for name, key in RETRY_STATS.items()},
                "images": int(stats.get("archiver/images", 0)),
                "media": {o: int(stats.get(f"archiver/media/{o}", 0)) for o in MEDIA_OUTCOMES},
                "bytes_written": int(stats.get("archiver/bytes_written", 0)),
                "requests": int(stats.get("downloader/request_count", 0)),
                "finish_reason": stats.get("finish_reason", "unknown"),
                "failed": result.failed,
                "error": result.error,
            }
            report.disk_error = report.disk_error or stats.get(DISK_ERROR_STAT)
        return report

    @property
    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for counts in self.sources.values():
            for key, value in counts.items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
                elif isinstance(value, dict):
                    for sub, number in value.items():
                        totals[f"{key}_{sub}"] = totals.get(f"{key}_{sub}", 0) + number
        return totals

    @property
    def interrupted(self) -> bool:
        return any(c["finish_reason"] not in ("finished", "unknown") for c in self.sources.values())

    @property
    def broken(self) -> bool:
        """A crawl that Scrapy's machinery could not start or run (no finish reason)."""
        return any(c["error"] or c["finish_reason"] == "unknown" for c in self.sources.values())

    @property
    def exit_code(self) -> int:
        """0 all good; 1 some articles, list pages or media failed (retried next run); 70 a
        crawl could not run (an internal error; never 0); 74 the output folder refused a write
        (stopped, nothing lost); 130 interrupted (resume by re-running)."""
        if self.disk_error:
            return EXIT_DISK_ERROR
        if self.broken:
            return EXIT_SOFTWARE
        if self.interrupted:
            return 130
        failed = any(
            c["articles"]["failed"] or c["list_pages_failed"] or c["media"]["failed"]
            for c in self.sources.values()
        )
        return 1 if failed else 0

    def lines(self) -> list[str]:
        """One human-readable line per source."""
        out = []
        for source, c in self.sources.items():
            a, m = c["articles"], c["media"]
            out.append(
                f"{source}: list pages {c['list_pages']}, articles new {a['new']}, "
                f"updated {a['updated']}, unchanged {a['unchanged']}, failed {a['failed']}, "
                f"images {c['images']}, bytes {c['bytes_written']}, "
                f"media downloaded {m['downloaded']} ({m['bytes']} bytes), reused {m['reused']}, "
                f"failed {m['failed']}, requests {c['requests']}, retried {c['retries']['retried']}, "
                f"time {self.seconds:.1f}s ({c['finish_reason']})"
            )
            if c["error"]:
                out.append(f"{source}: the crawl could not run: {c['error']}")
            failures = {**c["failed_articles_by_reason"],
                        **{f"list {k}": v for k, v in c["failed_list_pages_by_reason"].items()},
                        **{f"media {k}": v for k, v in c["failed_media_by_reason"].items()}}
            if failures:
                out.append(f"{source}: failed by reason: "
                           + ", ".join(f"{reason} {count}" for reason, count in failures.items()))
            if c["refused_by_reason"]:
                out.append(f"{source}: refused by URL policy: "
                           + ", ".join(f"{reason} {count}" for reason, count in c["refused_by_reason"].items()))
        return out

    def as_dict(self) -> dict[str, Any]:
        data = {
            "command": self.command,
            "started": self.started,
            "finished": self.finished,
            "seconds": self.seconds,
            "exit_code": self.exit_code,
            "sources": self.sources,
            "totals": self.totals,
        }
        if self.disk_error:
            data["disk_error"] = self.disk_error
        return data

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n",
                              encoding="utf-8")


def _by_reason(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """`{reason: count}` from the stats keys `prefix<reason>`, most frequent first."""
    counts = {key.removeprefix(prefix): int(value) for key, value in stats.items() if key.startswith(prefix)}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
