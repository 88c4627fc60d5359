"""What a crawling command prints: quiet by default, `-v`/`--log-file`, checked `-s` values,
and a crawl that Scrapy cannot run never ending in exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.replica import ReplicaServer, ReplicaSite
from archiver.setting_checks import SettingError, check_overrides
from conftest import HRBEU_YAML, run_archiver

NO_POLITENESS = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """A 30-article replica crawled once (quietly), then the server for later crawls."""
    folder = tmp_path_factory.mktemp("quiet")
    (folder / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    with ReplicaServer(ReplicaSite(articles=30, seed=1)) as server:
        first = run_archiver(["crawl", *NO_POLITENESS], cwd=folder, proxy=server.url)
        yield folder, server, first


def test_a_crawl_prints_its_summary_and_nothing_else(crawled):
    folder, server, first = crawled
    assert first.returncode == 0
    assert first.stdout.startswith("hrbeu: list pages 2, articles new 30, updated 0")
    assert first.stdout.count("\n") == 1 and first.stderr == ""
    again = run_archiver(["crawl", *NO_POLITENESS], cwd=folder, proxy=server.url)
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout.startswith("hrbeu: list pages 1, articles new 0, updated 0, unchanged 0")
    assert again.stdout.count("\n") == 1


def test_verbose_gives_scrapys_info_log(crawled):
    folder, server, _ = crawled
    result = run_archiver(["crawl", "-v", *NO_POLITENESS], cwd=folder, proxy=server.url)
    assert "[scrapy.core.engine] INFO: Spider opened" in result.stderr
    assert "DEBUG:" not in result.stderr
    result = run_archiver(["crawl", "-vv", *NO_POLITENESS], cwd=folder, proxy=server.url)
    assert "DEBUG: Crawled (200) <GET http://gongxue.cn/xw.htm>" in result.stderr


def test_log_file_gets_everything_while_stderr_stays_quiet(crawled):
    folder, server, _ = crawled
    log = folder / "run.log"
    result = run_archiver(["crawl", "--log-file", str(log), *NO_POLITENESS], cwd=folder, proxy=server.url)
    assert result.returncode == 0 and result.stderr == ""
    text = log.read_text(encoding="utf-8")
    assert "DEBUG: Crawled (200) <GET http://gongxue.cn/xw.htm>" in text
    assert "INFO: Spider closed (finished)" in text


@pytest.mark.parametrize("setting,message", [
    ("DOWNLOAD_TIMEOUT=abc", "-s DOWNLOAD_TIMEOUT='abc': DOWNLOAD_TIMEOUT must be a number"),
    ("RETRY_TIMES=x", "-s RETRY_TIMES='x': RETRY_TIMES must be a whole number"),
    ("RETRY_TIMES=1.5", "-s RETRY_TIMES='1.5': RETRY_TIMES must be a whole number"),
    ("ROBOTSTXT_OBEY=maybe", "-s ROBOTSTXT_OBEY='maybe': ROBOTSTXT_OBEY must be true/false (1/0)"),
    ("ITEM_PIPELINES={oops", "-s ITEM_PIPELINES='{oops': ITEM_PIPELINES must be a JSON object"),
    ("LOG_LEVEL=LOUD", "-s LOG_LEVEL='LOUD': LOG_LEVEL must be one of CRITICAL, ERROR, WARNING"),
])
def test_a_bad_setting_value_is_a_usage_error_before_crawling(tmp_path: Path, setting, message):
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    result = run_archiver(["crawl", "-s", setting], cwd=tmp_path)
    assert result.returncode == 2
    assert f"archiver: error: {message}" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_an_unknown_setting_name_is_a_warning_with_a_suggestion():
    assert check_overrides({"DOWNLOAD_DELY": "0", "DOWNLOAD_DELAY": "0.5"}) == [
        "-s DOWNLOAD_DELY: not a Scrapy or archiver setting (did you mean DOWNLOAD_DELAY?); "
        "passed on as is"
    ]
    with pytest.raises(SettingError):
        check_overrides({"ARCHIVER_PROGRESS_INTERVAL": "soon"})


def test_a_crawl_that_scrapy_cannot_run_exits_70_not_0(tmp_path: Path):
    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    result = run_archiver(["crawl", "-s", 'EXTENSIONS={"nowhere.Ext": 1}'], cwd=tmp_path)
    assert result.returncode == 70
    assert "hrbeu: the crawl could not run: ModuleNotFoundError: No module named 'nowhere'" in result.stdout
    assert "Unhandled error in Deferred" not in result.stderr


def run_bytes(args: list[str], cwd: Path, proxy: str) -> tuple[int, bytes]:
    """stderr as bytes: text mode would turn the bar's "\\r" into line ends."""
    import subprocess
    import sys

    from conftest import SAMPLE_NOW, clean_env

    result = subprocess.run([sys.executable, "-m", "archiver", *args], cwd=cwd, capture_output=True,
                            env=clean_env(ARCHIVER_NOW=SAMPLE_NOW, http_proxy=proxy), timeout=300)
    return result.returncode, result.stderr


def test_progress_bar_totals_follow_max_pages_and_since_and_log_lines_never_glue(tmp_path: Path):
    import re

    (tmp_path / "sources.yaml").write_text(HRBEU_YAML, encoding="utf-8")
    bar = ["-s", "ARCHIVER_PROGRESS=bar", "-v", *NO_POLITENESS]
    with ReplicaServer(ReplicaSite(articles=60, seed=1)) as server:
        capped = run_bytes(["backfill", "hrbeu", "-o", "a", "--max-pages", "2", *bar], tmp_path, server.url)
        since = run_bytes(["backfill", "hrbeu", "-o", "b", "--since", "2015-03-01", *bar], tmp_path, server.url)
    assert capped[0] == 0 and since[0] == 0
    assert re.search(rb"\r\x1b\[Klist pages 2/2, articles 40/40, [\d.]+/s(, ETA \w+)?\n", capped[1]), capped[1][-300:]
    assert re.search(rb"\r\x1b\[Klist pages \d+, articles \d+, [\d.]+/s\n", since[1])
    for stderr in (capped[1], since[1]):
        assert b"INFO: Spider closed (finished)" in stderr  # -v: log lines and the bar both shown
        # Every log line starts on a cleared line, never after the bar's text.
        assert not re.search(rb"/s(, ETA \w+)?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", stderr)


def test_the_failure_line_counts_media_failures_by_reason():
    from archiver.report import RunReport
    from archiver.runner import CrawlResult

    stats = {"finish_reason": "finished", "archiver/articles/failed": 1,
             "archiver/articles/failed/http_404": 1, "archiver/media/failed": 3,
             "archiver/media/failed/http_404": 2, "archiver/media/failed/too_large": 1}
    report = RunReport.from_results("crawl", "s", "f", 1.0, [CrawlResult("hrbeu", stats)])
    assert report.lines()[1] == "hrbeu: failed by reason: http_404 1, media http_404 2, media too_large 1"
    assert report.exit_code == 1
