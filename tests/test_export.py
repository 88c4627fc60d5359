"""`archiver export` on a real crawl of the replica site: every format read back by its standard
reader matches the catalog row for row and the site's truth; filters at their boundaries."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from archiver.dates import CHINA_TZ
from archiver.export import FIELDS
from archiver.extract import Attachment
from archiver.article_file.render import attachment_list
from archiver.replica import ReplicaServer, ReplicaSite
from archiver.clock import format_timestamp
from conftest import FAST, HRBEU_YAML, clean_env, run_archiver

SOURCE_LINK = "[转入文章首发地址]({url})"


def local(moment: datetime) -> str:
    """A naive local archive time as the front matter and ARCHIVER_NOW write it."""
    return format_timestamp(moment.replace(tzinfo=None))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """60 replica articles backfilled, then 4 new ones and an edited one by a scheduled crawl."""
    site = ReplicaSite(articles=60, seed=4)
    folder = tmp_path_factory.mktemp("export")
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    first_now = local(site.article(59).published + timedelta(hours=2))
    with ReplicaServer(site) as server:
        first = run_archiver(["backfill", "hrbeu", *FAST], cwd=folder, proxy=server.url, now=first_now)
        assert first.returncode == 0, first.stderr[-3000:]
        site.add_articles(4)
        newest = site.article(63).published
        edited = max(i for i in range(60) if site.article(i).published < newest - timedelta(days=1))
        site.edit(edited)
        second_now = local(newest + timedelta(hours=1))
        second = run_archiver(["crawl", *FAST], cwd=folder, proxy=server.url, now=second_now)
        assert second.returncode == 0, second.stderr[-3000:]
        assert "articles new 4, updated 1" in second.stdout
    return {"site": site, "folder": folder, "first_now": first_now, "second_now": second_now,
            "edited": site.article(edited).url}


def export(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_archiver(["export", *args], cwd=folder)


def jsonl(folder: Path, *args: str) -> list[dict]:
    result = export(folder, *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def catalog_rows(folder: Path) -> tuple[list[dict], dict[int, list[dict]]]:
    db = sqlite3.connect(folder / "output" / ".archiver" / "catalog.sqlite")
    db.row_factory = sqlite3.Row
    articles = [dict(r) for r in db.execute("SELECT * FROM articles")]
    media: dict[int, list[dict]] = {}
    for row in db.execute("SELECT * FROM media ORDER BY kind, position"):
        media.setdefault(row["article_id"], []).append(dict(row))
    db.close()
    return articles, media


def iso_local(value: str | None) -> str | None:
    return value.replace(" ", "T") if value else None


def expected_records(archive: dict) -> list[dict]:
    """What the export must hold, from the catalog and the site's truth, in the documented
    order (published, then URL)."""
    site, folder = archive["site"], archive["folder"]
    articles, media = catalog_rows(folder)
    expected = []
    for row in articles:
        truth = site.article(int(row["url"].rsplit("/", 1)[1][:-4]) - site.first_id)
        text = "\n\n".join(truth.paragraphs)
        rows = media.get(row["id"], [])
        expected.append({
            "id": row["urlname"], "url": row["url"], "source": "hrbeu", "site_name": "哈尔滨工程大学",
            "title": row["title"], "published": row["published"],
            "archived": iso_local(row["archived"]), "updated": iso_local(row["updated"]),
            "text": text,
            "images": [{"url": m["url"], "path": m["local_path"], "sha256": m["sha256"], "bytes": m["bytes"]}
                       for m in rows if m["kind"] == "image"],
            "attachments": [{"name": m["name"], "url": m["url"], "path": m["local_path"]}
                            for m in rows if m["kind"] == "attachment"],
            "path": row["path"], "chars": len(text),
        })
    return sorted(expected, key=lambda r: (r["published"], r["url"]))


def test_jsonl_matches_catalog_and_truth_row_for_row(archive):
    records = jsonl(archive["folder"])
    expected = expected_records(archive)
    assert len(records) == 64
    assert [list(r) for r in records] == [list(FIELDS)] * 64
    assert [r["url"] for r in records] == [e["url"] for e in expected]
    for record, wanted in zip(records, expected):
        assert {k: v for k, v in record.items() if k != "markdown"} == wanted
    assert any(r["attachments"] for r in records) and any(r["images"] for r in records)
    assert all(i["path"] and i["sha256"] and i["bytes"] for r in records for i in r["images"])
    updated = [r for r in records if r["updated"]]
    assert [r["url"] for r in updated] == [archive["edited"]]
    assert "（更新1）" in updated[0]["text"]


def test_markdown_is_the_file_body_without_divider_attachments_and_link(archive):
    folder = archive["folder"]
    for record in jsonl(folder):
        text = (folder / "output" / record["path"]).read_text(encoding="utf-8")
        head = text[: text.index("\n---\n", 4) + 5]
        files = attachment_list(Attachment(a["name"], a["url"]) for a in record["attachments"])
        tail = "\n\n".join(p for p in (files, SOURCE_LINK.format(url=record["url"])) if p)
        without_divider = text.replace("\n<!--more-->\n", "", 1)
        assert without_divider == head + "\n\n".join(p for p in (record["markdown"], tail) if p)


def test_csv_is_rfc_4180_and_holds_the_same_values(archive, tmp_path: Path):
    folder = archive["folder"]
    records = jsonl(folder)
    plain, excel = tmp_path / "a.csv", tmp_path / "b.csv"
    assert export(folder, "--format", "csv", "--to", str(plain)).returncode == 0
    assert export(folder, "--format", "csv", "--excel", "--to", str(excel)).returncode == 0
    data = plain.read_bytes()
    assert excel.read_bytes() == "\ufeff".encode() + data
    assert data.startswith(b"id,url,source,site_name,title,published,archived,updated,text,markdown,"
                           b"images,attachments,path,chars\r\n")
    assert data.endswith(b"\r\n") and b'\n\n' in data  # paragraphs inside quoted fields
    with open(excel, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(FIELDS)
    assert len(rows) == 65
    for row, record in zip(rows[1:], records):
        assert row == [
            "" if v is None else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            if isinstance(v, list) else str(v)
            for v in record.values()
        ]


def test_parquet_has_types_and_the_same_values(archive, tmp_path: Path):
    folder = archive["folder"]
    records = jsonl(folder)
    target = tmp_path / "a.parquet"
    result = export(folder, "--format", "parquet", "--to", str(target))
    assert result.returncode == 0, result.stderr
    assert f"exported 64 articles as parquet to {target}" in result.stderr
    table = pq.read_table(target)
    assert table.schema.names == list(FIELDS)
    assert table.schema.metadata[b"schema_version"] == b"1"
    assert str(table.schema.field("published").type) == "timestamp[us, tz=+08:00]"
    assert str(table.schema.field("archived").type) == "timestamp[us]"
    assert str(table.schema.field("images").type) == (
        "list<element: struct<url: string, path: string, sha256: string, bytes: int64>>")
    for row, record in zip(table.to_pylist(), records, strict=True):
        assert row["published"].utcoffset() == timedelta(hours=8)
        assert row["published"].isoformat() == record["published"]
        assert row["archived"].strftime("%Y-%m-%dT%H:%M:%S.%f") == record["archived"]
        assert (row["updated"] and row["updated"].strftime("%Y-%m-%dT%H:%M:%S.%f")) == record["updated"]
        rest = {k: v for k, v in row.items() if k not in ("published", "archived", "updated")}
        assert rest == {k: v for k, v in record.items() if k in rest}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_two_exports_are_byte_identical(archive, tmp_path: Path, fmt: str):
    outputs = []
    for name in ("one", "two"):
        target = tmp_path / f"{name}.{fmt}"
        assert export(archive["folder"], "--format", fmt, "--to", str(target)).returncode == 0
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] and len(outputs[0]) > 10_000


def test_from_files_rebuilds_the_records_without_the_catalog(archive, tmp_path: Path):
    folder = archive["folder"]
    copy = tmp_path / "copy"
    shutil.copytree(folder / "output", copy / "output", ignore=shutil.ignore_patterns(".archiver"))
    (copy / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    from_catalog = {r["url"]: r for r in jsonl(folder)}
    rebuilt = jsonl(copy, "--from-files")
    assert [r["url"] for r in rebuilt] == sorted(from_catalog)
    for record in rebuilt:
        wanted = from_catalog[record["url"]]
        assert record["published"] is None and record["updated"] is None
        # Images are linked by their original URLs (image_links: original): the files do not
        # say where the copies are.
        assert record["images"] == [{"url": i["url"], "path": None, "sha256": None, "bytes": None}
                                    for i in wanted["images"]]
        assert record["attachments"] == [{**a, "path": None} for a in wanted["attachments"]]
        same = {k: v for k, v in record.items()
                if k not in ("published", "updated", "images", "attachments")}
        assert same == {k: wanted[k] for k in same}
    # Without the sources file the site name and title come from the front matter alone.
    (copy / "sources.yaml").unlink()
    assert jsonl(copy, "--from-files") == rebuilt


def test_site_name_comes_from_the_sources_file_else_the_front_matter(archive, tmp_path: Path):
    folder = archive["folder"]
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(HRBEU_YAML.replace("name: 哈尔滨工程大学", "name: 哈工程"), encoding="utf-8")
    output = str(folder / "output")
    assert {r["site_name"] for r in jsonl(tmp_path, "-o", output, "--config", str(renamed))} == {"哈工程"}
    assert {r["site_name"] for r in jsonl(tmp_path, "-o", output)} == {"哈尔滨工程大学"}


def published_day(record: dict):
    return datetime.fromisoformat(record["published"]).astimezone(CHINA_TZ).date()


def test_since_and_until_are_inclusive_days_in_china_time(archive):
    folder = archive["folder"]
    everything = jsonl(folder)
    days = sorted({published_day(r) for r in everything})
    since, until = days[10], days[20]
    picked = jsonl(folder, "--since", str(since), "--until", str(until))
    assert picked == [r for r in everything if since <= published_day(r) <= until]
    assert {published_day(picked[0]), published_day(picked[-1])} == {since, until}
    # An article at midnight: day-precision pages give 00:00:00+08:00, the first instant of the day.
    midnight = next(r for r in everything[1:] if r["published"].endswith("T00:00:00+08:00"))
    day = published_day(midnight)
    assert midnight in jsonl(folder, "--since", str(day))
    assert midnight not in jsonl(folder, "--until", str(day - timedelta(days=1)))
    assert jsonl(folder, "--since", str(days[-1] + timedelta(days=1))) == []
    assert jsonl(folder, "--until", str(days[0])) == [r for r in everything if published_day(r) == days[0]]


def test_updated_since_takes_what_was_archived_or_updated_from_then_on(archive):
    folder = archive["folder"]
    second = archive["second_now"]
    everything = jsonl(folder)
    changed = jsonl(folder, "--updated-since", second)
    assert len(changed) == 5  # 4 new articles, 1 updated
    assert archive["edited"] in {r["url"] for r in changed}
    assert all(max(r["archived"], r["updated"] or "") == second.replace(" ", "T") for r in changed)
    later = datetime.fromisoformat(second) + timedelta(microseconds=1)
    assert jsonl(folder, "--updated-since", later.isoformat(sep=" ")) == []
    assert jsonl(folder, "--updated-since", archive["first_now"]) == everything
    assert jsonl(folder, "--updated-since", archive["first_now"][:10]) == everything


def test_source_filter(archive):
    folder = archive["folder"]
    assert jsonl(folder, "--source", "hrbeu") == jsonl(folder)


def test_missing_file_keeps_its_record_without_text_and_exits_1(archive, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(archive["folder"] / "output", copy / "output")
    records = jsonl(archive["folder"])
    gone = records[3]["path"]
    (copy / "output" / gone).unlink()
    result = export(copy)
    assert result.returncode == 1
    assert f"archiver: warning: {gone}: file is missing; its record has no text" in result.stderr
    assert "1 files could not be read" in result.stderr and "Traceback" not in result.stderr
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    # No sources file beside the copy: the site name would come from the missing front matter.
    assert exported[3] == {**records[3], "text": None, "markdown": None, "chars": None,
                           "site_name": None}
    assert exported[:3] + exported[4:] == records[:3] + records[4:]


def test_a_reader_that_stops_early_ends_the_export_quietly(archive):
    process = subprocess.Popen([sys.executable, "-m", "archiver", "export"], cwd=archive["folder"],
                               env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # the export is far larger than a pipe's buffer: its next write fails
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert json.loads(first)["id"]
    assert stderr == ""


def test_jsonl_is_utf8_with_one_record_per_line(archive):
    result = subprocess.run([sys.executable, "-m", "archiver", "export"], cwd=archive["folder"],
                            env=clean_env(), capture_output=True)
    assert result.returncode == 0
    lines = result.stdout.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 65
    assert "哈尔滨工程大学".encode() in lines[0]  # CJK as UTF-8, not \\u escapes
    assert [json.loads(line) for line in lines[:-1]] == jsonl(archive["folder"])
