"""What to do with each medium of an article, and when a failed download is tried again.

The catalog remembers every medium by URL, so a backfill of thousands of articles downloads each
image once: an image another article already archived is reused (as long as its file is still
there), a failure is not retried before its back-off expires, and only the rest is fetched.
Back-off grows fourfold per attempt from `ARCHIVER_MEDIA_RETRY_DELAY` (1 h, 4 h, 16 h, 64 h...);
after `ARCHIVER_MEDIA_MAX_ATTEMPTS` attempts a medium is left alone until `archiver media --retry`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from archiver.catalog import MediaRecord
from archiver.media.found import MediaRef

BACKOFF_FACTOR = 4


@dataclass(frozen=True)
class Decision:
    """`record` when the medium needs no download (reused, linked, or waiting to be retried);
    None means: download it, counting `attempts` so far."""

    record: MediaRecord | None
    attempts: int = 0


def decide(ref: MediaRef, known: MediaRecord | None, *, download: bool, file_exists: bool,
           now: str, max_attempts: int | None) -> Decision:
    """The fate of one medium, given what the catalog knows of its URL.

    `download` is False for media this source does not download (videos unless
    `download_videos`, player pages); `now` is a catalog timestamp; `max_attempts` None means
    no limit and no back-off (an on-demand retry).
    """
    base = MediaRecord(ref.kind, ref.position, ref.url, name=ref.name)
    if not download:
        return Decision(base)
    if known is not None and known.state == "done" and file_exists:
        return Decision(replace(known, kind=ref.kind, position=ref.position, name=ref.name))
    if known is not None and known.state == "failed":
        waiting = max_attempts is not None and (
            known.attempts >= max_attempts or (known.next_attempt or "") > now
        )
        if waiting:
            return Decision(replace(known, kind=ref.kind, position=ref.position, name=ref.name))
        return Decision(None, known.attempts)
    return Decision(None, 0)


def next_attempt(now: datetime, attempts: int, base_delay: float, max_attempts: int) -> datetime | None:
    """When a medium that failed `attempts` times may be tried again; None: no more automatic tries."""
    if attempts >= max_attempts:
        return None
    return now + timedelta(seconds=base_delay * BACKOFF_FACTOR ** (attempts - 1))


def linked_records(refs: list[MediaRef]) -> list[MediaRecord]:
    """Catalog rows for media that are only linked (downloading is off)."""
    return [MediaRecord(r.kind, r.position, r.url, name=r.name) for r in refs]
