"""Shared test helpers: running the real `archiver` CLI in a subprocess against local servers."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from archiver.replica.site import Response
from pg_server import catalog_location, pg_server, pg_url  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_NOW = "2021-11-26 01:22:02.872027"
# A local server needs no politeness; these keep crawls of it fast.
FAST = [
    "-s", "AUTOTHROTTLE_ENABLED=0",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s", "LOG_LEVEL=INFO",
]
_PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
               "all_proxy", "ALL_PROXY")


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without proxies or archiver variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in _PROXY_VARS and not k.startswith("ARCHIVER_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_archiver(args: list[str], cwd: Path, proxy: str | None = None, now: str = SAMPLE_NOW,
                 timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m archiver ARGS` for real; `proxy` routes http:// through a local server."""
    extra = {"ARCHIVER_NOW": now, **env}
    if proxy:
        extra["http_proxy"] = proxy
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args], cwd=cwd, env=clean_env(**extra),
        capture_output=True, text=True, timeout=timeout,
    )


@dataclass
class StaticSite:
    """A hand-made site for the replica server: fixed pages by path, 404 elsewhere."""

    host: str
    pages: dict[str, Response] = field(default_factory=dict)

    def add(self, path: str, body: bytes | str, status: int = 200,
            content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = Response(status, {"Content-Type": content_type}, data)

    def render(self, path: str) -> Response:
        if path == "/robots.txt" and path not in self.pages:
            return Response(200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n")
        return self.pages.get(path, Response(404, {"Content-Type": "text/html"}, b"<html>not found</html>"))


@pytest.fixture
def write_sources(tmp_path: Path):
    """Write a sources.yaml into the test's folder and return its path."""
    def write(text: str) -> Path:
        path = tmp_path / "sources.yaml"
        path.write_text(text, encoding="utf-8")
        return path
    return write


HRBEU_YAML = """\
sources:
  hrbeu:
    name: 哈尔滨工程大学
    label: hrbeu.com.cn
    cms: vsb
    start_urls: [http://gongxue.cn/xw.htm]
    allowed_domains: [gongxue.cn]
    list:
      items: div.list-right-tt.txt-elise > a
      next_page: span.p_next a
"""
