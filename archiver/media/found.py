"""Which media an article has: its images, attachments and videos, in document order.

Images and attachments come from extraction (`ExtractedArticle.images`/`.attachments`). Videos are
found here, in the body: `<video src>` (VSB's `<script name="_videourl">` placeholder arrives as
one, see `archiver.extract.embed_videos`), `<video>` with `<source src>` children, `<embed>` of a
video file, and `<iframe>` players of the video sites Chinese universities use. A player's page
(an iframe) is only linked; a video file may be downloaded (`download_videos`).

Normalisation drops players (no page HTML reaches the Markdown); `link_players` puts a link paragraph
`[视频：title](URL)` in each player's place first, so the reader still finds the video where it was.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
from lxml.html import HtmlElement

from archiver.extract import ExtractedArticle
from archiver.urls import absolute

KINDS = ("image", "attachment", "video")
VIDEO_LABEL = "视频"
VIDEO_EXTENSIONS = frozenset("mp4 m4v mov webm ogv ogg flv f4v avi wmv mkv m3u8 3gp mpg mpeg ts".split())
# Hosts whose iframes are video players (a map or a form in an iframe is not a video).
VIDEO_PLAYER_HOSTS = (
    "v.qq.com", "player.bilibili.com", "player.youku.com", "player.video.iqiyi.com",
    "open.iqiyi.com", "www.ixigua.com", "tv.cctv.com", "player.cntv.cn", "js.player.cntv.cn",
    "www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com", "video.weibo.com",
    "www.douyin.com", "open.douyin.com", "channels.weixin.qq.com", "mp.weixin.qq.com",
)


_PLAYER_TAGS = ("video", "embed", "iframe")
# Void in HTML5 but not to libxml2, which nests the content that follows an `<embed>` in it.
_VOID_PLAYERS = frozenset({"embed"})
_CONTAINERS = frozenset(_PLAYER_TAGS) - _VOID_PLAYERS


@dataclass(frozen=True)
class MediaRef:
    """One medium of an article: `kind`, its index among the article's media of that kind, its
    absolute URL, the name the page shows (attachments) or the player's title (videos), and
    whether it is a file that can be downloaded (an iframe player's page is not)."""

    kind: str
    position: int
    url: str
    name: str | None = None
    downloadable: bool = True


@dataclass(frozen=True)
class Player:
    """A video player in the body: the element, the video's URL, its title, and whether the URL
    is the video file itself."""

    element: HtmlElement
    url: str
    title: str
    is_file: bool


def media_refs(article: ExtractedArticle) -> list[MediaRef]:
    """Every medium of the article: images, then attachments, then videos, each in page order."""
    refs = [MediaRef("image", i, url) for i, url in enumerate(article.images)]
    refs += [MediaRef("attachment", i, a.href, a.name) for i, a in enumerate(article.attachments)]
    refs += [
        MediaRef("video", i, p.url, p.title or None, p.is_file)
        for i, p in enumerate(find_players(article.body, article.url))
    ]
    return refs


def find_players(body: HtmlElement, base_url: str) -> list[Player]:
    """The body's video players in document order (a `<video>`'s `<source>`s, or the `<embed>`
    fallback inside it, are one player)."""
    players = []
    for node in body.iter(*_PLAYER_TAGS):
        if any(ancestor.tag in _CONTAINERS for ancestor in node.iterancestors()):
            continue
        player = _player(node, base_url)
        if player is not None:
            players.append(player)
    return players


def _player(node: HtmlElement, base_url: str) -> Player | None:
    title = " ".join((node.get("title") or "").split())
    if node.tag == "video":
        sources = [node.get("src")] + [s.get("src") for s in node.iter("source")]
        url = next((u for u in (absolute(base_url, s) for s in sources) if u), "")
        return Player(node, url, title, True) if url else None
    url = absolute(base_url, node.get("src"))
    if not url:
        return None
    if _is_video_file(url):
        return Player(node, url, title, True)
    host = (urlsplit(url).hostname or "").lower()
    if node.tag == "iframe" and any(host == h or host.endswith("." + h) for h in VIDEO_PLAYER_HOSTS):
        return Player(node, url, title, False)
    return None


def _is_video_file(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.rsplit(".", 1)[-1] in VIDEO_EXTENSIONS if "." in path.rsplit("/", 1)[-1] else False


def link_players(body: HtmlElement, base_url: str) -> HtmlElement:
    """The body with each video player replaced by a paragraph linking to the video.

    The input is not modified: a copy is made when there is a player to replace (most bodies
    have none and are returned as they are).
    """
    if not find_players(body, base_url):
        return body
    body = copy.deepcopy(body)
    for player in find_players(body, base_url):
        element, parent = player.element, player.element.getparent()
        if parent is None:
            continue
        paragraph = lxml.html.Element("p")
        link = lxml.html.Element("a", href=player.url)
        link.text = f"{VIDEO_LABEL}：{player.title}" if player.title else VIDEO_LABEL
        paragraph.append(link)
        if element.tag not in _VOID_PLAYERS:
            paragraph.tail = element.tail
            parent.replace(element, paragraph)
            continue
        # What libxml2 nested in a void player is the page's next content: keep it, after the link.
        children, tail, at = list(element), element.tail, parent.index(element)
        paragraph.tail = element.text
        parent.replace(element, paragraph)
        for offset, child in enumerate(children, 1):
            parent.insert(at + offset, child)
        last = children[-1] if children else paragraph
        last.tail = (last.tail or "") + (tail or "")
    return body
