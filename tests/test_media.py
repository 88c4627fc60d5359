"""Media, the pure parts: names from Content-Disposition, download checks, video players, the
attachment list and local links in the Markdown, retry decisions, and the new source keys."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.catalog import ArticleRecord, Catalog, MediaRecord
from archiver.cms import PRESETS
from archiver.config import ConfigError, load_config
from archiver.extract import Attachment, extract_article
from archiver.media.checks import MediaError, check_download, sniff
from archiver.media.found import MediaRef, find_players, link_players, media_refs
from archiver.media.links import local_url, relink
from archiver.article_file.render import attachment_list
from archiver.media.names import (
    MAX_NAME_BYTES,
    alternative_name,
    attachment_name,
    disposition_filename,
    safe_file_name,
)
from archiver.media.policy import decide, next_attempt
from archiver.normalize import normalise_article
from archiver.article_file.render import render_article
from archiver.replica.site import NAME_ENCODINGS, content_disposition, jpeg_bytes
from conftest import HRBEU_YAML, SAMPLE_NOW

NAME = "2021年本科教学工作安排表（第二版）.docx"
JPEG = jpeg_bytes("test")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 30
ERROR_PAGE = "<!DOCTYPE html>\n<html><head><title>错误</title></head><body>文件不存在</body></html>".encode()


def record(url: str) -> ArticleRecord:
    return ArticleRecord(source="s", url=url, urlname="u", title="t", published=None,
                         archived=SAMPLE_NOW, updated=None, checked="c", content_hash="h",
                         path="s/u.md", bytes=10)


# -- Content-Disposition


@pytest.mark.parametrize("header", [
    f"attachment; filename*=UTF-8''{quote(NAME)}".encode(),
    b'attachment; filename="' + NAME.encode("utf-8") + b'"',
    b'attachment; filename="' + NAME.encode("gbk") + b'"',
    f'attachment; filename="{quote(NAME)}"'.encode(),
    f"attachment;filename={quote(NAME)}".encode(),
    b"attachment; filename*=GBK''" + quote(NAME.encode("gbk")).encode(),
    f"attachment; filename=\"fallback.docx\"; filename*=utf-8''{quote(NAME)}".encode(),
    b'attachment; filename="=?UTF-8?B?' + __import__("base64").b64encode(NAME.encode()) + b'?="',
], ids=["rfc5987", "raw-utf8", "raw-gbk", "percent", "percent-unquoted", "rfc5987-gbk", "both", "mime-word"])
def test_every_way_servers_send_a_chinese_name_decodes_to_it(header: bytes):
    assert disposition_filename(header) == NAME


def test_java_urlencoder_plus_is_a_space_and_missing_names_are_none():
    assert disposition_filename(b'attachment; filename="%E5%B7%A5%E4%BD%9C+%E5%AE%89%E6%8E%92.doc"') == "工作 安排.doc"
    assert disposition_filename(b"attachment") is None
    assert disposition_filename(None) is None
    assert disposition_filename(b'filename="x.pdf"') == "x.pdf"  # no disposition type


@pytest.mark.parametrize("encoding", NAME_ENCODINGS)
def test_replica_headers_round_trip_for_every_encoding(encoding: str):
    for name in (NAME, "../../etc/passwd", "..\\x.doc", 'a"b\\c.doc'):
        assert disposition_filename(content_disposition(name, encoding).encode("latin-1")) == name


@pytest.mark.parametrize("hostile, safe", [
    ("../../etc/passwd", "etc_passwd"),
    ("..\\x.doc", "x.doc"),
    ("/etc/cron.d/evil", "etc_cron.d_evil"),
    ("C:\\Windows\\system32.dll", "C__Windows_system32.dll"),
    (".htaccess", "htaccess"),
    ("..", ""),
    ("CON.txt", "_CON.txt"),
    ("report\u202etxt.exe", "reporttxt.exe"),
    ("a\x00b\nc.doc", "ab c.doc"),
    ("工作\u3000 安排 .docx", "工作 安排 .docx"),
    ("2021/2022学年校历.pdf", "2021_2022学年校历.pdf"),
    ("what?.doc", "what_.doc"),
    (NAME, NAME),
])
def test_safe_file_name(hostile: str, safe: str):
    assert safe_file_name(hostile) == safe


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_no_name_can_leave_its_folder(tmp_path_factory: pytest.TempPathFactory, name: str):
    folder = tmp_path_factory.getbasetemp() / "files"
    safe = safe_file_name(name)
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    if safe:
        assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
        assert not any(ord(c) < 32 for c in safe)
        assert (folder / safe).resolve().parent == folder.resolve()


def test_long_names_keep_their_extension_and_collisions_get_a_hash():
    long = safe_file_name("长" * 300 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= MAX_NAME_BYTES
    other = alternative_name(long, "0123456789abcdef")
    assert other.endswith("-01234567.pdf") and len(other.encode()) <= MAX_NAME_BYTES
    assert alternative_name("通知.docx", "abcdef12ff") == "通知-abcdef12.docx"


def test_attachment_name_prefers_the_header_then_a_named_link_then_the_url():
    jsp = "http://a.cn/system/_content/download.jsp?wbfileid=1"
    assert attachment_name(NAME, jsp, "附件1：别的.doc", ".zip") == NAME
    assert attachment_name(None, jsp, "附件1：申报指南.docx", ".zip") == "附件1：申报指南.docx"
    assert attachment_name(None, "http://a.cn/_upload/files/3f9a.pdf", "点击下载", ".pdf") == "3f9a.pdf"
    assert attachment_name(None, jsp, "点击下载", ".pdf") == "点击下载.pdf"  # its bytes give the type
    assert attachment_name(None, jsp, None, None) == "attachment"


# -- download checks


def test_sniffing_knows_images_documents_and_videos():
    assert sniff(JPEG).content_type == "image/jpeg"
    assert sniff(PNG).extension == ".png"
    assert sniff(b"RIFF\0\0\0\0WEBPVP8 ").content_type == "image/webp"
    assert sniff(b"%PDF-1.7\n").extension == ".pdf"
    assert sniff(b"\0\0\0\x18ftypmp42\0\0\0\0").content_type == "video/mp4"
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>").content_type is None


@pytest.mark.parametrize("kind, status, body, flags, reason", [
    ("image", 404, ERROR_PAGE, (), "http_404"),
    ("image", 500, ERROR_PAGE, (), "http_500"),
    ("image", 200, ERROR_PAGE, (), "not_image"),
    ("image", 200, b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", (), "not_image"),
    ("image", 200, b"", (), "empty"),
    ("image", 200, JPEG, ("dataloss",), "truncated"),
    ("attachment", 200, ERROR_PAGE, (), "html_page"),
    ("attachment", 200, b"\n\n  <html><body>login</body></html>", (), "html_page"),
    ("video", 200, ERROR_PAGE, (), "html_page"),
])
def test_refused_downloads_say_why(kind, status, body, flags, reason):
    with pytest.raises(MediaError) as caught:
        check_download(kind, status, body, flags)
    assert caught.value.reason == reason


def test_accepted_downloads_say_what_they_are():
    assert check_download("image", 200, JPEG).extension == ".jpg"
    assert check_download("image", 200, PNG, ("partial",)).content_type == "image/png"  # no length: cannot tell
    assert check_download("attachment", 200, b"REPLICA ATTACHMENT 1\n").content_type is None
    assert check_download("attachment", 200, b"PK\x03\x04rest").extension == ".zip"


# -- videos in the body

VIDEO_BODY = """<div class="v_news_content">
<p>第一段。</p>
<p><video src="/__local/v/talk.mp4" controls title="开学典礼"></video></p>
<p>第二段。</p>
<video controls><source src="clip.webm" type="video/webm"><embed src="clip.swf"></video>
<iframe src="https://v.qq.com/txp/iframe/player.html?vid=x0042" allowfullscreen></iframe>
<iframe src="https://map.baidu.com/?q=1"></iframe>
<embed src="/media/old.flv">
<p>第三段。</p>
</div>"""


def video_body() -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(VIDEO_BODY)


def test_players_found_in_order_and_only_video_iframes():
    players = find_players(video_body(), "http://a.cn/info/1/2.htm")
    assert [(p.url, p.title, p.is_file) for p in players] == [
        ("http://a.cn/__local/v/talk.mp4", "开学典礼", True),
        ("http://a.cn/info/1/clip.webm", "", True),
        ("https://v.qq.com/txp/iframe/player.html?vid=x0042", "", False),
        ("http://a.cn/media/old.flv", "", True),
    ]


def test_players_become_links_in_place_without_touching_the_input():
    body = video_body()
    before = lxml.html.tostring(body)
    linked = link_players(body, "http://a.cn/info/1/2.htm")
    assert lxml.html.tostring(body) == before
    assert link_players(lxml.html.fragment_fromstring("<div><p>x</p></div>"), "http://a.cn/") is not None
    page = f'<html><body><form name="_newscontent_fromname"><h1>视频</h1>{VIDEO_BODY}</form></body></html>'
    article = extract_article(page, "http://a.cn/info/1/2.htm", PRESETS["vsb"])
    markdown = normalise_article(article).markdown
    assert markdown.split("\n\n") == [
        "第一段。",
        "[视频：开学典礼](http://a.cn/__local/v/talk.mp4)",
        "第二段。",
        "[视频](http://a.cn/info/1/clip.webm)",
        "[视频](https://v.qq.com/txp/iframe/player.html?vid=x0042)",
        "[视频](http://a.cn/media/old.flv)",
        "第三段。",
    ]
    assert [p.url for p in find_players(linked, "http://a.cn/")] == []


def test_vsb_video_placeholder_is_a_video_medium():
    html = ('<html><body><form name="_newscontent_fromname"><h1>标题</h1><div class="v_news_content">'
            '<p>正文。</p><p><script name="_videourl" vurl="/__local/9/AB/v.mp4" vwidth="600"></script></p>'
            '<p><img src="/__local/1.jpg"></p></div><div id="div_vote_id"></div><ul><li>附件【'
            '<a href="/system/_content/download.jsp?wbfileid=7">通知.docx</a>】</li></ul></form></body></html>')
    article = extract_article(html, "http://a.cn/info/1/2.htm", PRESETS["vsb"])
    assert media_refs(article) == [
        MediaRef("image", 0, "http://a.cn/__local/1.jpg"),
        MediaRef("attachment", 0, "http://a.cn/system/_content/download.jsp?wbfileid=7", "通知.docx"),
        MediaRef("video", 0, "http://a.cn/__local/9/AB/v.mp4"),
    ]
    assert "[视频](http://a.cn/__local/9/AB/v.mp4)" in normalise_article(article).markdown


# -- the Markdown


def test_attachments_are_listed_before_the_source_link(write_sources):
    source = load_config(write_sources(HRBEU_YAML)).sources["hrbeu"]
    html = ('<html><body><form name="_newscontent_fromname"><h1>通知</h1><div class="v_news_content">'
            '<p>请查收附件。</p><p><a href="/upload/b.pdf">b.pdf</a></p></div><div id="div_vote_id"></div>'
            '<ul><li>附件【<a href="/system/_content/download.jsp?wbfileid=7">申报[指南].docx</a>】已下载次</li>'
            '</ul></form></body></html>')
    article = extract_article(html, "http://gongxue.cn/info/1/2.htm", source.preset)
    text = render_article(normalise_article(article), source, datetime.fromisoformat(SAMPLE_NOW))
    assert text.endswith(
        "请查收附件。\n\n<!--more-->\n\n附件：\n\n"
        "- [b.pdf](http://gongxue.cn/upload/b.pdf)\n"
        "- [申报\\[指南\\].docx](http://gongxue.cn/system/_content/download.jsp?wbfileid=7)\n\n"
        "[转入文章首发地址](http://gongxue.cn/info/1/2.htm)"
    )
    assert attachment_list([]) == ""
    assert attachment_list([Attachment("a b.pdf", "http://x/a b.pdf")]) == "附件：\n\n- [a b.pdf](http://x/a%20b.pdf)"


def test_relink_touches_link_destinations_only_and_never_the_front_matter():
    image = "http://a.cn/__local/1.jpg"
    text = (f"---\ntitle: \"x]({image})\"\n---\n![图]({image})\n\n文字 http\\://a.cn/\\_\\_local/1.jpg\n\n"
            f"[大图]({image})\n\n![图](http://a.cn/__local/2.jpg)")
    local = local_url("hrbeu/images/ab.jpg")
    assert relink(text, {image: local}) == (
        f"---\ntitle: \"x]({image})\"\n---\n![图]({local})\n\n文字 http\\://a.cn/\\_\\_local/1.jpg\n\n"
        f"[大图]({local})\n\n![图](http://a.cn/__local/2.jpg)"
    )
    assert local_url("hrbeu/files/100% 完成#1.docx") == "/hrbeu/files/100%25%20%E5%AE%8C%E6%88%90%231.docx"


# -- retry decisions


def test_decisions_reuse_wait_or_download():
    ref = MediaRef("image", 2, "http://a/i.jpg")
    done = MediaRecord("image", 0, ref.url, state="done", local_path="s/images/x.jpg", attempts=1)
    failed = MediaRecord("image", 0, ref.url, state="failed", attempts=2, next_attempt="2021-01-02 00:00:00.000000")
    now = "2021-01-01 12:00:00.000000"
    assert decide(ref, None, download=True, file_exists=False, now=now, max_attempts=5).record is None
    reused = decide(ref, done, download=True, file_exists=True, now=now, max_attempts=5).record
    assert reused.state == "done" and reused.position == 2 and reused.local_path == "s/images/x.jpg"
    assert decide(ref, done, download=True, file_exists=False, now=now, max_attempts=5).record is None
    assert decide(ref, failed, download=True, file_exists=False, now=now, max_attempts=5).record.state == "failed"
    later = decide(ref, failed, download=True, file_exists=False, now="2021-01-03 00:00:00.000000", max_attempts=5)
    assert later.record is None and later.attempts == 2
    assert decide(ref, failed, download=True, file_exists=False, now=now, max_attempts=2).record.state == "failed"
    assert decide(ref, failed, download=True, file_exists=False, now=now, max_attempts=None).record is None
    assert decide(ref, done, download=False, file_exists=True, now=now, max_attempts=5).record.state == "linked"


def test_back_off_grows_fourfold_and_stops():
    start = datetime(2021, 1, 1)
    delays = [next_attempt(start, n, 3600, 5) for n in range(1, 6)]
    assert [(d - start).total_seconds() / 3600 for d in delays[:4]] == [1, 4, 16, 64]
    assert delays[4] is None


def test_catalog_finds_media_by_url_and_lists_due_failures(tmp_path: Path):
    with Catalog(tmp_path / "c.sqlite") as catalog:
        catalog.save_article(record("http://a/1.htm"), [
            MediaRecord("image", 0, "http://a/i.jpg", state="failed", attempts=1, last_error="http_404: x",
                        next_attempt="2021-01-01 01:00:00.000000"),
            MediaRecord("image", 1, "http://a/j.jpg", state="done", local_path="s/images/j.jpg", attempts=1),
        ])
        catalog.save_article(record("http://a/2.htm"), [
            MediaRecord("image", 0, "http://a/i.jpg", state="failed", attempts=4, last_error="http_404: x"),
        ])
        assert catalog.known_medium("s", "http://a/j.jpg").local_path == "s/images/j.jpg"
        assert catalog.known_medium("s", "http://a/i.jpg").attempts == 4
        assert catalog.known_medium("other", "http://a/j.jpg") is None
        due = catalog.failed_media("s", due="2021-01-01 00:30:00.000000", max_attempts=5)
        assert [(url, [m.attempts for m in media]) for url, media in due] == [("http://a/2.htm", [4])]
        assert [url for url, _ in catalog.failed_media("s", due="2021-01-01 02:00:00", max_attempts=4)] == ["http://a/1.htm"]
        assert len(catalog.failed_media("s")) == 2
        fixed = MediaRecord("image", 0, "http://a/i.jpg", state="done", local_path="s/images/i.jpg", attempts=2)
        catalog.update_media("s", "http://a/1.htm", [fixed], content_hash="new", size=3)
        assert catalog.media("s", "http://a/1.htm")[0] == fixed
        assert catalog.article("s", "http://a/1.htm").content_hash == "new"
        assert catalog.media_summary("s") == {"image": {"done": 2, "failed": 1}}


# -- sources file


def test_image_links_and_download_videos_are_checked(write_sources):
    source = load_config(write_sources(HRBEU_YAML)).sources["hrbeu"]
    assert (source.image_links, source.download_videos) == ("original", False)
    local = load_config(write_sources(HRBEU_YAML + "    image_links: local\n    download_videos: true\n"))
    assert (local.sources["hrbeu"].image_links, local.sources["hrbeu"].download_videos) == ("local", True)
    path = write_sources(HRBEU_YAML + "    image_links: copies\n")
    with pytest.raises(ConfigError, match=f"{path}: source 'hrbeu': key 'image_links': must be one of "
                                          "original, local, got 'copies'"):
        load_config(path)
    with pytest.raises(ConfigError, match="key 'download_videos': expected true or false, got 'yes'"):
        load_config(write_sources(HRBEU_YAML + "    download_videos: 'yes'\n"))


# -- the replica's media faults


def test_replica_media_faults_are_deterministic_and_heal():
    from archiver.replica import ReplicaSite
    from archiver.replica.site import MEDIA_FAULTS, OVERSIZE_BYTES, TRUNCATED_MISSING

    site = ReplicaSite(articles=40, seed=2)
    index = next(i for i in range(40) if site.article(i).images and site.article(i).attachments)
    image = urlsplit(site.article(index).images[0]).path
    download = site.article(index).attachments[0][1].removeprefix("http://gongxue.cn")
    healthy = site.render(image)
    served = {}
    for fault in MEDIA_FAULTS:
        site.fault_article(index, fault)
        served[fault] = site.render(image)
        if fault == "http_404":  # the article's attachments fail with its images
            assert site.render(download).status == 404
    assert (served["http_404"].status, served["http_500"].status) == (404, 500)
    assert served["html"].headers["Content-Type"] == "image/jpeg" and served["html"].body.startswith(b"<!DOCTYPE html>")
    assert served["empty"].body == b""
    assert served["truncated"].headers["Content-Length"] == str(len(healthy.body) + TRUNCATED_MISSING)
    assert len(served["oversize"].body) == OVERSIZE_BYTES and sniff(served["oversize"].body).extension == ".jpg"
    assert served["oversize_stream"].headers["Connection"] == "close"
    site.fault_article(index, None)
    assert site.render(image) == healthy
    with pytest.raises(ValueError, match="fault must be one of"):
        site.set_media_fault(image, "slow")
    with pytest.raises(ValueError, match="encoding must be one of"):
        site.set_attachment_name(download, "x.doc", "big5")


@pytest.mark.parametrize(("name", "body", "stored"), [
    ("notice.html", b"<script>alert(1)</script>", "notice.html.bin"),
    ("chart.svg", b'<svg onload="alert(1)"/>', "chart.svg.bin"),
    ("readme.md", b"{{< shortcode >}}", "readme.md.bin"),
    ("data.xml", b"<?xml version='1.0'?><a/>", "data.xml.bin"),
    ("app.js", b"alert(1)", "app.js.bin"),
    ("attachment", b"\x00\x01", "attachment.bin"),
    ("report.pdf", b"%PDF-1.4", "report.pdf"),
    ("名单.xlsx", b"PK\x03\x04", "名单.xlsx"),
    ("list.txt", b"\xef\xbb\xbf<html><script>", "list.txt.bin"),  # markup whatever the name
    ("list.txt", b"plain text", "list.txt"),
    ("x.html.bin", b"<html>", "x.html.bin"),
])
def test_attachments_that_could_run_are_stored_under_an_inert_name(name: str, body: bytes, stored: str) -> None:
    from archiver.media.names import inert_name
    assert inert_name(name, body) == stored
