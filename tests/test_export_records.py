"""Export semantics on small hand-built archives (files and catalog rows written by the
archiver's own renderer and catalog): order, time zones, nulls, quoting, site names."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from archiver.catalog import MIGRATIONS, Catalog, default_catalog_path
from archiver.catalog.dialect import Sqlite
from archiver.catalog.schema import statements
from archiver.dates import CHINA_TZ
from bench.export import add_article, hrbeu_source
from conftest import run_archiver

UTC = timezone.utc
ARCHIVED = datetime(2021, 3, 1, 9, 0, 0)


def build(folder: Path, articles: list[dict]) -> Path:
    """An archive in `folder/output` with the given articles (keyword arguments of add_article)."""
    output = folder / "output"
    source = hrbeu_source()
    with Catalog(default_catalog_path(output)) as catalog:
        for number, article in enumerate(articles):
            values = {"url": f"http://gongxue.cn/info/1141/{number + 1}.htm", "title": f"标题{number}",
                      "published": None, "paragraphs": [f"正文{number}。"], **article}
            add_article(catalog, output, source, **values)
    return output


def export_jsonl(folder: Path, *args: str) -> list[dict]:
    result = run_archiver(["export", *args], cwd=folder)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_order_is_published_then_url_with_unknown_dates_last(tmp_path: Path):
    build(tmp_path, [
        {"url": "http://gongxue.cn/b.htm", "published": None},
        {"url": "http://gongxue.cn/c.htm", "published": datetime(2021, 1, 2, tzinfo=CHINA_TZ)},
        {"url": "http://gongxue.cn/a.htm", "published": None},
        {"url": "http://gongxue.cn/d.htm", "published": datetime(2021, 1, 1, tzinfo=CHINA_TZ)},
        {"url": "http://gongxue.cn/e.htm", "published": datetime(2021, 1, 2, tzinfo=CHINA_TZ)},
    ])
    records = export_jsonl(tmp_path)
    assert [r["url"][-5] for r in records] == ["d", "c", "e", "a", "b"]
    assert [r["published"] for r in records] == [
        "2021-01-01T00:00:00+08:00", "2021-01-02T00:00:00+08:00", "2021-01-02T00:00:00+08:00", None, None]
    # --from-files knows no publication dates: URL order.
    assert [r["url"][-5] for r in export_jsonl(tmp_path, "--from-files")] == ["a", "b", "c", "d", "e"]


def test_publication_days_are_counted_in_china_time(tmp_path: Path):
    build(tmp_path, [
        # 2021-03-01 23:59:59 in +08:00, stored in UTC
        {"published": datetime(2021, 3, 1, 15, 59, 59, tzinfo=UTC)},
        # 2021-03-02 00:00:00 in +08:00
        {"published": datetime(2021, 3, 1, 16, 0, 0, tzinfo=UTC)},
        {"published": None},
    ])
    records = export_jsonl(tmp_path)
    assert [r["published"] for r in records] == ["2021-03-01T23:59:59+08:00", "2021-03-02T00:00:00+08:00", None]
    assert [r["title"] for r in export_jsonl(tmp_path, "--since", "2021-03-02")] == ["标题1"]
    assert [r["title"] for r in export_jsonl(tmp_path, "--until", "2021-03-01")] == ["标题0"]
    assert [r["title"] for r in export_jsonl(tmp_path, "--since", "2021-03-01", "--until", "2021-03-02")] == [
        "标题0", "标题1"]
    assert len(records) == 3  # an unknown date only drops out when filtering


def test_times_without_or_with_unexpected_offsets(tmp_path: Path):
    """A publication time stored without offset is China's; an archive time a hand edit gave an
    offset is converted to local time (here TZ=UTC)."""
    output = build(tmp_path, [{}])
    db = sqlite3.connect(default_catalog_path(output))
    db.execute("UPDATE articles SET published = '2021-03-01T08:00:00'")
    db.commit()
    db.close()
    assert export_jsonl(tmp_path)[0]["published"] == "2021-03-01T08:00:00+08:00"
    (path,) = (output / "hrbeu").glob("*.md")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "date: 2021-11-26 01:22:02.872027", "date: 2021-11-26 01:22:02.872027+08:00"), encoding="utf-8")
    result = run_archiver(["export", "--from-files", "--updated-since", "2021-11-25 17:22"], cwd=tmp_path, TZ="UTC")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["archived"] == "2021-11-25T17:22:02.872027"


def test_updated_since_prefers_updated_over_archived(tmp_path: Path):
    build(tmp_path, [
        {"archived": ARCHIVED},
        {"archived": ARCHIVED, "updated": ARCHIVED + timedelta(days=30)},
        {"archived": ARCHIVED + timedelta(days=10)},
    ])
    def titles(moment: str) -> list[str]:
        return [r["title"] for r in export_jsonl(tmp_path, "--updated-since", moment)]
    assert titles("2021-03-11 09:00:00") == ["标题1", "标题2"]
    assert titles("2021-03-11 09:00:00.000001") == ["标题1"]
    assert titles("2021-03-31T09:00:00") == ["标题1"]
    assert titles("2021-04-01") == []
    assert titles("2021-03-01") == ["标题0", "标题1", "标题2"]


def test_values_that_break_naive_csv_and_jsonl_survive(tmp_path: Path):
    hostile = 'a,"b"\r\nc\u2028d\x85e'
    build(tmp_path, [{"title": hostile, "paragraphs": ["第一段，含“引号”", 'x,"y"'],
                      "images": ["http://gongxue.cn/a(1).jpg"],
                      "attachments": [("附件1：名单,最终.xlsx", "http://gongxue.cn/f.xlsx")]}])
    result = run_archiver(["export"], cwd=tmp_path)
    raw = result.stdout
    assert "\u2028" not in raw and "\x85" not in raw and "\\u2028" in raw and "\\u0085" in raw
    assert raw.count("\n") == 1
    (record,) = [json.loads(line) for line in raw.splitlines()]
    assert record["title"] == hostile
    assert record["text"] == '第一段，含“引号”\n\nx,"y"'
    assert record["images"] == [{"url": "http://gongxue.cn/a(1).jpg", "path": None, "sha256": None, "bytes": None}]
    target = tmp_path / "out.csv"
    assert run_archiver(["export", "-f", "csv", "--to", str(target)], cwd=tmp_path).returncode == 0
    with open(target, encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle))
    values = dict(zip(header, row))
    assert values["title"] == hostile and values["text"] == record["text"]
    assert values["updated"] == "" and values["published"] == ""
    assert json.loads(values["attachments"]) == record["attachments"]
    assert values["chars"] == str(len(record["text"]))


def test_parquet_nulls_and_empty_export(tmp_path: Path):
    build(tmp_path, [{"published": None}])
    target = tmp_path / "a.parquet"
    assert run_archiver(["export", "-f", "parquet", "--to", str(target)], cwd=tmp_path).returncode == 0
    (row,) = pq.read_table(target).to_pylist()
    assert row["published"] is None and row["updated"] is None and row["images"] == []
    empty = tmp_path / "empty.parquet"
    result = run_archiver(["export", "-f", "parquet", "--since", "2030-01-01", "--to", str(empty)], cwd=tmp_path)
    assert result.returncode == 0 and "exported 0 articles" in result.stderr
    table = pq.read_table(empty)
    assert table.num_rows == 0 and table.schema.metadata[b"schema_version"] == b"1"


def test_site_name_and_title_without_sources_file(tmp_path: Path):
    """No sources file: the name comes from the front matter, the title is the catalog's; with
    --from-files the title is taken out of the front-matter title."""
    build(tmp_path, [{"title": "学校举行会议 | 第二期"}])
    (record,) = export_jsonl(tmp_path)
    assert (record["site_name"], record["title"]) == ("哈尔滨工程大学", "学校举行会议 | 第二期")
    (rebuilt,) = export_jsonl(tmp_path, "--from-files")
    assert (rebuilt["site_name"], rebuilt["title"]) == ("哈尔滨工程大学", "学校举行会议 | 第二期")
    assert rebuilt["archived"] == "2021-11-26T01:22:02.872027"


def test_from_files_reports_and_skips_files_that_are_not_articles(tmp_path: Path):
    output = build(tmp_path, [{}, {}])
    (output / "hrbeu" / "notes.md").write_text("# my notes\n", encoding="utf-8")
    (output / "hrbeu" / ".hidden.md").write_text("not read", encoding="utf-8")
    (output / "hrbeu" / "bad.md").write_bytes(b"---\ntitle: \xff\n---\n")
    result = run_archiver(["export", "--from-files"], cwd=tmp_path)
    assert result.returncode == 1
    assert "hrbeu/notes.md: does not start with a front matter block ('---'); left out" in result.stderr
    assert "hrbeu/bad.md: not UTF-8 text" in result.stderr
    assert ".hidden" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_an_older_catalog_is_read_as_it_is_never_migrated(tmp_path: Path):
    """A catalog left by an older archiver (schema version 1, from the first shipped migration)
    is exported without being upgraded: the export only ever reads."""
    output = build(tmp_path, [{"images": ["http://gongxue.cn/a.jpg"]}, {}])
    old = tmp_path / "old.sqlite"
    db = sqlite3.connect(old)
    first = statements(MIGRATIONS[0], Sqlite.types)  # the first migration in the SQLite dialect
    db.executescript(";\n".join(first) + ";\nPRAGMA user_version = 1;")
    db.execute("ATTACH DATABASE ? AS current", (str(default_catalog_path(output)),))
    db.execute("INSERT INTO articles SELECT * FROM current.articles")
    db.execute("INSERT INTO media (id, article_id, kind, position, url, name, local_path, sha256, bytes, "
               "content_type, state, attempts, last_error) SELECT id, article_id, kind, position, url, "
               "name, local_path, sha256, bytes, content_type, state, attempts, last_error FROM current.media")
    db.commit()
    db.close()
    before = old.read_bytes()
    assert export_jsonl(tmp_path, "--catalog", str(old)) == export_jsonl(tmp_path)
    assert old.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.sqlite", "output"]


@pytest.mark.parametrize("title", ["yes", "a: b", "[x]", "0123", "标题 #1"])
def test_titles_that_yaml_would_misread_come_back_from_the_files(tmp_path: Path, title: str):
    build(tmp_path, [{"title": title}])
    (record,) = export_jsonl(tmp_path, "--from-files")
    assert record["title"] == title


def test_export_benchmark_runs(tmp_path: Path):
    """`python -m bench.export` at toy sizes: every format is measured and reported."""
    from bench.export import main

    report_path = tmp_path / "export.json"
    assert main(["--sizes", "20", "40", "--json", str(report_path)]) == 0
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [(r["articles"], r["format"]) for r in report["runs"]] == [
        (size, fmt) for size in (20, 40) for fmt in ("jsonl", "csv", "parquet", "jsonl --from-files")]
    assert all(r["bytes"] > 0 and r["peak_rss_mib"] > 10 for r in report["runs"])
    assert set(report["rss_ratio"]) == {"jsonl", "csv", "parquet", "jsonl --from-files"}
