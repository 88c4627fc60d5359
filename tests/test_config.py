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


def test_every_problem_is_reported_at_once_with_did_you_mean(tmp_path: Path, write_sources):
    text = HRBEU_YAML.replace("    label: hrbeu.com.cn\n", "    lable: hrbeu.com.cn\n")
    text = text.replace("cms: vsb", "cms: vbs").replace("next_page:", "next_pages:")
    text += "  second:\n    name: S\n    label: s\n    start_urls: [ftp://x]\n    slug: titel\n"
    path = write_sources(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.problems == [
        f"{path}: source 'hrbeu': unknown key 'lable' (did you mean 'label'?)",
        f"{path}: source 'hrbeu': missing required key 'label'",
        f"{path}: source 'hrbeu': key 'cms': unknown CMS 'vbs' (did you mean 'vsb'?) "
        "(known: vsb, webplus, auto, generic)",
        f"{path}: source 'hrbeu': key 'list': unknown key 'next_pages' (did you mean 'next_page'?)",
        f"{path}: source 'second': key 'start_urls': not an http(s) URL: 'ftp://x'",
        f"{path}: source 'second': key 'slug': must be one of md5, title, got 'titel' "
        "(did you mean 'title'?)",
    ]
    result = run_archiver(["crawl", "--config", str(path)], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("archiver: error: ") == 6


def test_unknown_source_on_the_command_line_gets_a_suggestion(write_sources):
    config = load_config(write_sources(HRBEU_YAML))
    with pytest.raises(ConfigError, match=r"unknown source 'hrbue' \(did you mean 'hrbeu'\?\)"):
        config.select(["hrbue"])


def test_a_second_sources_key_is_an_error_not_a_silent_loss(write_sources):
    """`archiver probe URL >> sources.yaml` appends a second `sources:`; YAML keeps the last."""
    second = HRBEU_YAML.replace("hrbeu:", "other:")
    path = write_sources(HRBEU_YAML + second)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.problems == [
        f"{path}: duplicate top-level key 'sources' (lines 1 and 11); YAML would keep only the "
        "last (add sources under the one 'sources:')"
    ]


def test_duplicate_source_id_and_duplicate_key_are_errors(write_sources):
    path = write_sources(HRBEU_YAML + "    label: again\n" + HRBEU_YAML.split("\n", 1)[1])
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.problems == [
        f"{path}: duplicate source id 'hrbeu' (lines 2 and 12); each source needs its own id",
        f"{path}: source 'hrbeu': duplicate key 'label' (lines 4 and 11)",
    ]


def test_a_folder_given_as_config_is_named_as_a_folder(tmp_path: Path):
    result = run_archiver(["crawl", "-c", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 2
    assert f"archiver: error: {tmp_path}: is a folder; the sources file is a YAML file" in result.stderr


def test_an_oversized_sources_file_is_refused_unread(write_sources):
    path = write_sources(HRBEU_YAML + "#" * (1024 * 1024) + "\n")
    with pytest.raises(ConfigError, match=r"larger than 1024 KiB"):
        load_config(path)


def alias_bomb(levels: int = 12, width: int = 9) -> str:
    """Each level lists the previous one `width` times: 9**12 values from a 2 KiB file."""
    lines = ["      - &l0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"      - &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_inside_an_accepted_key_is_refused_in_small_memory(write_sources):
    import tracemalloc

    path = write_sources(HRBEU_YAML + "    front_matter:\n      tags:\n" + alias_bomb())
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as error:
            load_config(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error.value) == f"{path}: aliases expand to more than 200,000 values (an alias bomb?)"
    assert peak < 5 * 1024 * 1024


def test_a_recursive_alias_is_refused(write_sources):
    path = write_sources(HRBEU_YAML + "    front_matter:\n      tags: &t [a, *t]\n")
    with pytest.raises(ConfigError, match="recursive alias at line 12"):
        load_config(path)


def test_a_few_aliases_are_fine(write_sources):
    text = HRBEU_YAML.replace("label: hrbeu.com.cn", "label: &l hrbeu.com.cn")
    path = write_sources(text + "    front_matter:\n      tags: [*l, *l]\n")
    assert load_config(path).sources["hrbeu"].front_matter.tags == ("hrbeu.com.cn", "hrbeu.com.cn")


def test_a_huge_wrong_value_is_shown_cut_short(write_sources):
    path = write_sources(HRBEU_YAML.replace("name: 哈尔滨工程大学", "name: [" + "abc, " * 50_000 + "z]"))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(f"{path}: source 'hrbeu': key 'name': expected a non-empty string, got [")
    assert len(message) < len(str(path)) + 150
