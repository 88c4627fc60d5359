"""The README's quick start, run as written: every `sh` block between `<!-- quickstart -->` and
`<!-- /quickstart -->`, in order, in one bash with `HOME` in a temporary folder, against the
bundled replica. Also: the output file the README shows is what `archiver demo` writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE_NOW, clean_env

README = (ROOT / "README.md").read_text(encoding="utf-8")
MARK = "@@ block "


def region(name: str) -> str:
    return README.split(f"<!-- {name} -->\n", 1)[1].split(f"<!-- /{name} -->", 1)[0]


def quickstart_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", region("quickstart"), flags=re.S)


def per_block(text: str) -> list[str]:
    """Output split at the markers the script echoes before each block."""
    return re.split(rf"^{MARK}\d+\n", text, flags=re.M)[1:]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("home")
    blocks = quickstart_blocks()
    script = "set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + "".join(
        f"echo '{MARK}{n}'; echo '{MARK}{n}' >&2\n{block}" for n, block in enumerate(blocks)
    )
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = clean_env(HOME=str(home), ARCHIVER_NOW=SAMPLE_NOW, PATH=path)
    result = subprocess.run(["bash", "-c", script], cwd=home, env=env, capture_output=True,
                            text=True, timeout=600)
    return home / "news", blocks, result


@pytest.mark.slow
def test_every_quickstart_command_works_as_written(quickstart):
    news, blocks, result = quickstart
    assert len(blocks) == 6
    assert result.returncode == 0, result.stderr[-3000:]
    out, err = per_block(result.stdout), per_block(result.stderr)
    assert "50 Markdown files in" in out[0]
    assert out[2].startswith("sources:\n  gongxue:\n    name: ")
    assert out[2].endswith("created source 'gongxue' in sources.yaml (1 sources)\n")
    assert out[3].startswith("gongxue: list pages 6, articles new 120, updated 0, unchanged 0, failed 0")
    assert err[3] == ""
    # The scheduled crawl with nothing new: the summary and nothing else.
    assert out[4].startswith("gongxue: list pages 1, articles new 0, updated 0, unchanged 0, failed 0")
    assert out[4].count("\n") == 1 and err[4] == ""
    assert json.loads((news / "last-run.json").read_text())["exit_code"] == 0
    assert "DEBUG: Crawled (200) <GET http://gongxue.cn/xw.htm>" in (news / "crawl.log").read_text()
    assert len(list((news / "output" / "gongxue").glob("*.md"))) == 120
    assert len((news / "articles.jsonl").read_text(encoding="utf-8").splitlines()) == 170
    assert "the catalog and the files agree" in out[5]


@pytest.mark.slow
def test_the_output_file_shown_is_what_the_demo_writes(quickstart):
    news = quickstart[0]
    shown = re.search(r"```markdown\n(.*)\n```", region("output-file"), flags=re.S).group(1)
    written = news / "output" / "demo" / "0f5de39dffcb964d63f208f6d1f6e2c0.md"
    assert written.read_text(encoding="utf-8") == shown
