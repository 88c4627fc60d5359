"""Sources file validation: every mistake names the file, the source and the key; exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import ConfigError, load_config
from conftest import HRBEU_YAML, ROOT, run_archiver


def test_shipped_sources_file_is_valid():
    config = load_config(ROOT / "sources.yaml")
    hrbeu = config.sources["hrbeu"]
    assert hrbeu.name == "哈尔滨工程大学" and hrbeu.label == "hrbeu.com.cn"
    assert hrbeu.start_urls == ("http://gongxue.cn/xw.htm",)
    assert hrbeu.allowed_domains == ("gongxue.cn",)
    assert hrbeu.list_items_selector == "div.list-right-tt.txt-elise > a"
    assert hrbeu.front_matter.title_format == "{name}->{title} | {label}"
    assert hrbeu.summary_chars == 200 and hrbeu.slug == "md5"


def test_minimal_source_needs_only_name_label_and_start_urls(write_sources):
    path = write_sources("sources:\n  s:\n    name: N\n    label: L\n    start_urls: [https://a.edu.cn/xw.htm]\n")
    source = load_config(path).sources["s"]
    assert source.cms == "auto" and source.allowed_domains == ("a.edu.cn",)


BAD = [
    (HRBEU_YAML.replace("    cms: vsb\n", "    cms: vsb\n    colour: red\n"),
     "source 'hrbeu': unknown key 'colour'"),
    (HRBEU_YAML.replace("    label: hrbeu.com.cn\n", ""), "source 'hrbeu': missing required key 'label'"),
    (HRBEU_YAML.replace("div.list-right-tt.txt-elise > a", "div[[oops"),
     "source 'hrbeu': key 'list.items': bad CSS selector 'div[[oops'"),
    (HRBEU_YAML.replace("      next_page: span.p_next a\n", "      nxt: a\n"),
     "source 'hrbeu': key 'list': unknown key 'nxt'"),
    (HRBEU_YAML.replace("cms: vsb", "cms: drupal"), "source 'hrbeu': key 'cms': unknown CMS 'drupal'"),
    (HRBEU_YAML.replace("[http://gongxue.cn/xw.htm]", "[gongxue.cn]"),
     "key 'start_urls': not an http(s) URL: 'gongxue.cn'"),
    ("sources: [oops", "not valid YAML"),
    ("srcs: {}\n", "unknown key 'srcs'"),
    (HRBEU_YAML + "    summary_chars: many\n", "key 'summary_chars': expected a whole number"),
    (HRBEU_YAML + "    front_matter:\n      title_format: '{site}'\n", "key 'front_matter.title_format': bad template"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_invalid_sources_file_is_refused_with_file_source_and_key(write_sources, text, message):
    path = write_sources(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


def test_cli_exits_2_with_the_message_and_writes_nothing(tmp_path: Path, write_sources):
    path = write_sources(HRBEU_YAML.replace("    cms: vsb\n", "    cms: vsb\n    colour: red\n"))
    result = run_archiver(["crawl", "--config", str(path)], cwd=tmp_path)
    assert result.returncode == 2
    assert f"archiver: error: {path}: source 'hrbeu': unknown key 'colour'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "output").exists()


def test_cli_unknown_source_and_missing_file(tmp_path: Path, write_sources):
    path = write_sources(HRBEU_YAML)
    result = run_archiver(["crawl", "nope", "--config", str(path)], cwd=tmp_path)
    assert result.returncode == 2 and "unknown source 'nope'" in result.stderr
    result = run_archiver(["crawl"], cwd=tmp_path / "output" if False else tmp_path,
                          ARCHIVER_CONFIG=str(tmp_path / "missing.yaml"))
    assert result.returncode == 2 and "missing.yaml: sources file not found" in result.stderr
