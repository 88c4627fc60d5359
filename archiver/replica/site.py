"""A deterministic, lazily generated replica of a VSB (博达 Visual SiteBuilder) news site.

The crawler is tested against this site instead of the real one, so every page must be
reproducible byte for byte from ``(seed, article count, edits)`` and the site must know the
"truth" (title, date, paragraphs, images, attachments) a correct extractor has to recover from
each article page.  Nothing is pre-rendered: a page is generated when it is asked for, from a
``random.Random`` seeded by a hash of ``(seed, stream, index)``, so memory does not grow with the
number of articles and any single page costs well under a millisecond.

This module does no I/O; :mod:`archiver.replica.server` puts it on the wire.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from typing import NamedTuple
from urllib.parse import parse_qs, quote, urlsplit

SITE_NAME = "哈尔滨工程大学新闻网"
COLUMN_NAME = "工学新闻"
OWNER = 1600759291
"""VSB "owner" number: appears in click counters and attachment links, as on real sites."""

CHINA_TZ = timezone(timedelta(hours=8))
EPOCH = datetime(2015, 1, 1, 8, 0, tzinfo=CHINA_TZ)
MEAN_STEP_S = 55_800
"""15.5 hours: with a jitter of at most ±7 h per article, consecutive steps stay in 1.5–29.5 h."""
JITTER_S = 25_200

ROBOTS_TXT = "User-agent: *\nDisallow: /system/resource/\n"
MAX_IMAGES = 4
POOL_SIZE = 5
POOL_KEY_BASE = 0xF000_0000
"""Image keys at or above this name one of the images shared between articles."""
ATTACHMENT_BASE = 5_000_000
MAX_ARTICLES = 4_000_000
"""At 15.5 hours per article this reaches the year 8900; four-digit years end soon after."""
LIST_TITLE_CHARS = 28
"""List pages cut longer titles to this many characters plus "..." (the ``title`` attribute keeps all)."""

HTML_TYPE = "text/html; charset=utf-8"

MEDIA_FAULTS = ("http_404", "http_500", "html", "empty", "truncated", "oversize", "oversize_stream")
"""How an image or attachment can fail (``ReplicaSite.set_media_fault``):

- ``http_404``/``http_500``: that status and an HTML error page;
- ``html``: status 200, the file's own Content-Type, and an HTML error page as the body;
- ``empty``: status 200 and no body;
- ``truncated``: the file, with a Content-Length ``TRUNCATED_MISSING`` bytes larger than the body
  (the server closes the connection after the body);
- ``oversize``: the file padded to ``OVERSIZE_BYTES``, with its true Content-Length;
- ``oversize_stream``: the same, without Content-Length, ended by closing the connection.
"""
OVERSIZE_BYTES = 2 * 1024 * 1024
TRUNCATED_MISSING = 1000
NAME_ENCODINGS = ("rfc5987", "utf-8", "gbk", "percent")
"""How a download names its file in Content-Disposition (``ReplicaSite.set_attachment_name``):
``filename*=UTF-8''%E5…`` (RFC 5987, the default), raw UTF-8 bytes or raw GBK bytes in
``filename="…"``, or the UTF-8 name percent-encoded in ``filename="…"``."""

# --- lexicon -------------------------------------------------------------------------------------

_COLLEGES = (
    "船舶工程学院", "动力与能源工程学院", "自动化学院", "水声工程学院", "计算机科学与技术学院",
    "机电工程学院", "信息与通信工程学院", "材料科学与化学工程学院", "经济管理学院", "外国语学院",
)
_UNITS = (
    "研究生院", "教务处", "学生工作部", "校团委", "图书馆", "国际合作与交流处", "科学技术研究院",
    "人事处", "保卫处", "后勤集团",
)
LEXICON: dict[str, tuple[str, ...]] = {
    "org": ("学校", "我校", *_COLLEGES, *_UNITS),
    "college": _COLLEGES,
    "unit": _UNITS,
    "verb": ("召开", "举办", "举行", "开展", "组织"),
    "topic": (
        "本科教学", "研究生培养", "党史学习教育", "安全稳定", "学科建设", "科研创新", "实验室安全",
        "就业指导", "国际化办学", "新生入学教育", "师德师风建设", "智慧校园建设", "海洋装备", "校企合作",
        "创新创业", "劳动教育", "体育美育",
    ),
    "event": ("工作会议", "专题讲座", "座谈会", "推进会", "交流会", "培训班", "报告会", "启动仪式", "学术论坛"),
    "place": ("启航活动中心", "主楼七楼会议室", "图书馆报告厅", "21B会议室", "船海楼报告厅", "科技楼一楼大厅"),
    "person": ("校党委书记", "校长", "副校长", "学院院长", "党委副书记", "教务处处长", "与会专家"),
    "speak": ("在讲话中指出", "充分肯定了前期工作成效", "对下一步工作提出明确要求", "作总结讲话"),
    "claim": (
        "要坚持立德树人根本任务", "要把握高等教育发展规律", "各单位要进一步提高政治站位", "要持续推进一流学科建设",
        "要着力提升人才培养质量", "要以更高标准推进各项工作落实", "要把服务国家需求作为重要方向",
    ),
    "effect": ("取得了良好效果", "现场气氛热烈", "营造了浓厚的学术氛围", "受到师生广泛好评", "为后续工作奠定了坚实基础"),
    "achieve": ("承担了一批国家级重大项目", "获批多个省部级重点实验室", "培养了大批行业骨干", "发表了一批高水平论文"),
    "demand": ("压实工作责任", "强化协同配合", "注重实际成效", "守牢安全底线", "突出问题导向"),
    "doc": ("关于加强研究生导师队伍建设的实施意见", "本科教学质量报告", "实验室安全管理办法", "校园文化建设规划"),
    "when": ("近日", "日前", "上午", "下午", "当天"),
    "competition": (
        "全国大学生数学建模竞赛", "“挑战杯”全国大学生课外学术科技作品竞赛", "中国国际“互联网+”大学生创新创业大赛",
        "全国大学生电子设计竞赛", "全国大学生智能汽车竞赛",
    ),
    "prize": ("一等奖", "特等奖", "金奖", "二等奖", "优秀组织奖", "3项一等奖"),
    "visitor": ("中国工程院院士", "教育部调研组", "兄弟高校代表团", "企业专家", "海外校友代表"),
    "journal": ("《人民日报》", "《光明日报》", "《中国教育报》", "《科技日报》", "《黑龙江日报》"),
    "honor": ("三好学生", "优秀学生干部", "自强之星", "青年志愿者标兵"),
    "pct": ("0.5", "1.2", "0.05", "3"),
    "filename": ("工作安排表", "申报指南", "报名回执", "实施方案", "推荐汇总表", "评审细则"),
    "ext": (".docx", ".pdf", ".xlsx", ".doc"),
}
"""Slot name -> choices; templates below refer to slots as ``{name}``."""

TITLE_TEMPLATES = (
    "{org}{verb}{year}年{topic}{event}",
    "{org}{verb}“{topic}”主题{event}",
    "我校在{year}年{competition}中获{prize}",
    "{journal}报道我校{topic}工作成效",
    "{visitor}一行来校调研{topic}工作",
    "{college}：{topic}{event}顺利举行",
    "{college}、{unit}联合{verb}{topic}{event}（第{n}期）",
    "{org}{verb}{topic}{event}暨{topic}{event}",
    "{college}{n}名学生获评{year}年度“{honor}”",
)
SENTENCE_TEMPLATES = (
    "{when}，{org}在{place}{verb}{topic}{event}。",
    "{person}{speak}，{claim}。",
    "会上，{person}就{topic}工作作了部署，强调要{demand}、{demand}。",
    "本次活动共吸引{n}余名师生参加，{effect}。",
    "据悉，{org}近年来{achieve}，{effect}。",
    "与会人员围绕“{topic}”展开深入交流，{effect}。",
    "《{doc}》的印发，标志着{topic}工作迈上新台阶。",
    "{person}表示，{claim}，{claim}。",
    "项目团队在产学研（R&D）合作中持续攻关，关键指标误差<{pct}%。",
    "{college}{year}级学生代表作交流发言。",
)


class _Slots(dict):
    """``str.format_map`` mapping that draws every unknown slot afresh from the lexicon.

    Drawing on demand (left to right) keeps a template's random stream short and stable; a slot
    used twice in one template gets two different words ("强调要压实责任、注重实效").
    """

    def __init__(self, rng: random.Random, **fixed: str) -> None:
        super().__init__(fixed)
        self._rng = rng
        self._used: set[str] = set()

    def __missing__(self, key: str) -> str:
        if key == "n":
            return str(10 + int(self._rng.random() * 291))
        words = LEXICON[key]
        word = _pick(self._rng, words)
        if word in self._used:
            word = _pick(self._rng, [other for other in words if other not in self._used])
        self._used.add(word)
        return word


def _pick(rng: random.Random, words: tuple[str, ...] | list[str]) -> str:
    """``rng.choice`` at a quarter of the cost: text generation is most of a page's CPU time."""
    return words[int(rng.random() * len(words))]


def _fill(rng: random.Random, template: str, **fixed: str) -> str:
    return template.format_map(_Slots(rng, **fixed))


# --- determinism helpers --------------------------------------------------------------------------


def _derive(seed: int, stream: str, index: int) -> int:
    """A 64-bit integer from ``(seed, stream, index)``; unlike ``hash()`` it is not salted per process."""
    digest = hashlib.blake2b(f"{seed}/{stream}/{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _rng(seed: int, stream: str, index: int) -> random.Random:
    return random.Random(_derive(seed, stream, index))


# --- truth ----------------------------------------------------------------------------------------

HEADINGS = ("h1.content-tt", "div.title", "h2.titlestyle1234")
DATE_STYLES = ("div.time", "cn-minute", "seconds", "date-only", "clicks")
CONTAINERS = ("vsb_content", "vsb_content_2", "vsb_content_4", "nested")
_PRECISION = {"div.time": "day", "cn-minute": "minute", "seconds": "second", "date-only": "day", "clicks": "day"}


@dataclass(frozen=True, slots=True)
class ArticleLayout:
    """Which template variant an article page uses; chosen from the index so that any run of
    60 consecutive articles shows every combination of heading, date line and container.

    - ``heading`` = ``HEADINGS[index % 3]``
    - ``date_style`` = ``DATE_STYLES[index % 5]``
    - ``container`` = ``CONTAINERS[index % 4]``
    - ``meta`` (``<meta name="ArticleTitle">`` and ``PubDate``) unless ``(index // 3) % 3 == 0``
    """

    heading: str
    date_style: str
    container: str
    meta: bool

    @classmethod
    def for_index(cls, index: int) -> ArticleLayout:
        return cls(
            heading=HEADINGS[index % len(HEADINGS)],
            date_style=DATE_STYLES[index % len(DATE_STYLES)],
            container=CONTAINERS[index % len(CONTAINERS)],
            meta=(index // 3) % 3 != 0,
        )

    @property
    def date_precision(self) -> str:
        """Finest unit of the publication time the page reveals: "day", "minute" or "second"."""
        shown = _PRECISION[self.date_style]
        if self.meta and shown == "day":
            return "minute"
        return shown


@dataclass(frozen=True, slots=True)
class ReplicaArticle:
    """What a correct extractor must produce for one article page (plus how the page was built)."""

    index: int
    id: int
    url: str
    title: str
    published: datetime
    paragraphs: list[str]
    images: list[str]
    attachments: list[tuple[str, str]]
    body_blocks: list[tuple[str, str]]
    layout: ArticleLayout
    revision: int = 0

    @property
    def published_visible(self) -> datetime:
        """``published`` cut to what the page shows (``layout.date_precision``)."""
        precision = self.layout.date_precision
        if precision == "day":
            return self.published.replace(hour=0, minute=0, second=0)
        if precision == "minute":
            return self.published.replace(second=0)
        return self.published


@dataclass(frozen=True, slots=True)
class Transport:
    """How the server misbehaves on the wire while answering (``archiver.replica.faults``).

    - ``reset``: close the connection with a TCP reset before answering;
    - ``stall``: answer nothing, holding the connection open for at most ``seconds`` (or until the
      client gives up or the server stops);
    - ``drip``: send the response, its body in ``chunks`` pieces spread over ``seconds``;
    - ``truncate``: declare the whole body's Content-Length, send its first ``keep`` bytes, close.
    """

    action: str
    seconds: float = 0.0
    chunks: int = 1
    keep: int = 0

    def __post_init__(self) -> None:
        if self.action not in ("reset", "stall", "drip", "truncate"):
            raise ValueError(f"unknown transport action {self.action!r}")
        if self.seconds < 0 or self.chunks < 1 or self.keep < 0:
            raise ValueError("need seconds >= 0, chunks >= 1 and keep >= 0")


class Response(NamedTuple):
    """A rendered page; the server adds ``Content-Length`` and the connection headers.

    ``transport``, when set, tells the server to act out a connection-level fault instead of
    simply sending the response.
    """

    status: int
    headers: dict[str, str]
    body: bytes
    transport: Transport | None = None


def not_found() -> Response:
    body = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head><body><h1>404 Not Found</h1></body></html>'
    return Response(404, {"Content-Type": HTML_TYPE}, body)


# --- JPEG -----------------------------------------------------------------------------------------


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


_JPEG_TABLES = (
    _segment(0xDB, b"\x00" + b"\x01" * 64)  # one quantisation table, all ones
    + _segment(0xC0, bytes((8, 0, 8, 0, 8, 1, 1, 0x11, 0)))  # baseline, 8x8, one grey component
    + _segment(0xC4, b"\x00\x01" + b"\x00" * 15 + b"\x00")  # DC table: one 1-bit code, category 0
    + _segment(0xC4, b"\x10\x01" + b"\x00" * 15 + b"\x00")  # AC table: one 1-bit code, end of block
    + _segment(0xDA, bytes((1, 1, 0x00, 0, 63, 0)))
    + b"\x3f"  # DC "0" + EOB "0", padded with ones: a flat grey block
    + b"\xff\xd9"
)


def jpeg_bytes(comment: str) -> bytes:
    """A valid 8x8 grey baseline JPEG whose COM segment holds ``comment``, so each URL's bytes differ."""
    return b"\xff\xd8" + _segment(0xFE, comment.encode()) + _JPEG_TABLES


# --- the site -------------------------------------------------------------------------------------

_IMAGE_PATH = re.compile(r"/__local/[0-9A-F]/[0-9A-F]{2}/[0-9A-F]{2}/[0-9A-F]{27}_([0-9A-F]{8})_[0-9A-F]{5}\.jpg")
_LIST_PATH = re.compile(r"/xw/([1-9][0-9]*)\.htm")
_DOWNLOAD_PATH = "/system/_content/download.jsp"


@dataclass(frozen=True, slots=True)
class _Image:
    path: str
    vurl: str


class ReplicaSite:
    """A VSB news column of ``articles`` articles; article 0 is the oldest.

    Mutable state is only the article count and a dict of edited articles, so a running server
    can be changed between two crawls (``add_articles``, ``edit``) to test incremental crawling.
    """

    def __init__(
        self,
        articles: int,
        seed: int = 0,
        host: str = "gongxue.cn",
        per_page: int = 20,
        column: int = 1141,
        first_id: int = 10001,
        images_per_article: int | None = None,
    ) -> None:
        if images_per_article is not None and not 0 <= images_per_article <= MAX_IMAGES:
            raise ValueError(f"images_per_article must be between 0 and {MAX_IMAGES}")
        if not 0 <= articles <= MAX_ARTICLES or per_page < 1:
            raise ValueError(f"need 0 <= articles <= {MAX_ARTICLES} and per_page >= 1")
        self.seed = seed
        # None: 0–4 images per article as real pages vary; a number: exactly that many (benchmarks).
        self.images_per_article = images_per_article
        self.host = host
        self.per_page = per_page
        self.column = column
        self.first_id = first_id
        self.robots_txt = ROBOTS_TXT
        self.offsite_links: tuple[str, ...] = (f"https://mp.weixin.qq.com/s/{_derive(seed, 'wechat', 0):016x}",)
        self._count = articles
        self._edits: dict[int, int] = {}
        self._pager_extra = 0
        self._media_faults: dict[str, str] = {}
        self._attachment_names: dict[str, tuple[str, str]] = {}
        self._key_mask = _derive(seed, "image-key", 0) & 0xFFFF_FFFF
        self._article_path = re.compile(rf"/info/{column}/([1-9][0-9]*)\.htm")

    # -- size and URLs

    @property
    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    @property
    def list_page_count(self) -> int:
        """Pages in the list, at least one (``/xw.htm`` exists even for an empty column)."""
        return _page_count(self._count, self.per_page)

    @property
    def start_url(self) -> str:
        return f"http://{self.host}/xw.htm"

    def list_path(self, page: int, count: int | None = None) -> str:
        """Path of list page ``page`` (1 = newest): ``/xw.htm``, then ``/xw/{P-page+1}.htm``
        (P counts the pages the pager claims: see ``set_pager_lie``)."""
        pages = self._claimed_pages(self._count if count is None else count)
        return "/xw.htm" if page == 1 else f"/xw/{pages - page + 1}.htm"

    def _claimed_pages(self, count: int) -> int:
        return _page_count(count, self.per_page) + self._pager_extra

    def article_url(self, index: int) -> str:
        return f"http://{self.host}/info/{self.column}/{self.first_id + index}.htm"

    # -- mutations

    def add_articles(self, k: int) -> None:
        """Publish ``k`` newer articles; like real VSB, every ``xw/N.htm`` page shifts."""
        if not 0 <= k <= MAX_ARTICLES - self._count:
            raise ValueError(f"k must be >= 0 and leave at most {MAX_ARTICLES} articles")
        self._count += k

    def edit(self, index: int, revision: int = 1) -> None:
        """Set article ``index`` to ``revision`` (0 restores the original body).

        Revision r appends one paragraph starting "（更新r）" to the body.
        """
        self._check_index(index, self._count)
        if revision < 0:
            raise ValueError("revision must be >= 0")
        if revision:
            self._edits[index] = revision
        else:
            self._edits.pop(index, None)

    def set_pager_lie(self, extra_pages: int) -> None:
        """Make every pager claim ``extra_pages`` more pages (and ``extra_pages * per_page`` more
        articles) than exist; 0 tells the truth again.

        This is what a VSB column looks like after its oldest articles were deleted while the
        page numbering still counts them: pages keep the numbers of the claimed total, so
        ``xw/1.htm`` … ``xw/{extra_pages}.htm`` answer 404, and the oldest real page still offers
        a "下页" link, to one of them.
        """
        if extra_pages < 0:
            raise ValueError("extra_pages must be >= 0")
        self._pager_extra = extra_pages

    def set_media_fault(self, url: str, fault: str | None) -> None:
        """Make the image or attachment at ``url`` (absolute, or path and query) fail as
        ``fault`` (one of ``MEDIA_FAULTS``); ``None`` heals it."""
        if fault is not None and fault not in MEDIA_FAULTS:
            raise ValueError(f"fault must be one of {', '.join(MEDIA_FAULTS)} or None, not {fault!r}")
        target = _target(url)
        if fault is None:
            self._media_faults.pop(target, None)
        else:
            self._media_faults[target] = fault

    def fault_article(self, index: int, fault: str | None) -> None:
        """``set_media_fault`` for every image and attachment of article ``index``."""
        article = self.article(index)
        for url in [*article.images, *(href for _, href in article.attachments)]:
            self.set_media_fault(url, fault)

    def set_attachment_name(self, url: str, name: str, encoding: str = "rfc5987") -> None:
        """Serve the attachment at ``url`` as a file called ``name`` (which may be hostile:
        ``../../etc/passwd``), written in Content-Disposition as ``encoding`` (``NAME_ENCODINGS``)."""
        if encoding not in NAME_ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(NAME_ENCODINGS)}, not {encoding!r}")
        self._attachment_names[_target(url)] = (name, encoding)

    # -- truth

    def article(self, index: int) -> ReplicaArticle:
        self._check_index(index, self._count)
        return self._compose(index)

    def article_by_id(self, article_id: int) -> ReplicaArticle:
        index = article_id - self.first_id
        if not 0 <= index < self._count:
            raise KeyError(article_id)
        return self._compose(index)

    def published(self, index: int) -> datetime:
        return self.headline(index)[1]

    def title(self, index: int) -> str:
        return self.headline(index)[0]

    def headline(self, index: int) -> tuple[str, datetime]:
        """Title and publication time, all a list item needs, from one short random stream.

        The time is O(1) to compute: evenly spaced plus a bounded per-article jitter.
        """
        rng = _rng(self.seed, "headline", index)
        published = EPOCH + timedelta(seconds=JITTER_S + index * MEAN_STEP_S + rng.randint(-JITTER_S, JITTER_S))
        return _fill(rng, rng.choice(TITLE_TEMPLATES), year=str(published.year)), published

    @staticmethod
    def _check_index(index: int, count: int) -> None:
        if not 0 <= index < count:
            raise IndexError(f"article index {index} out of range 0..{count - 1}")

    def _compose(self, index: int) -> ReplicaArticle:
        title, published = self.headline(index)
        rng = _rng(self.seed, "body", index)
        year = str(published.year)
        paragraphs = [_paragraph(rng, year) for _ in range(rng.randint(2, 8))]
        revision = self._edits.get(index, 0)
        images = [f"http://{self.host}{image.path}" for image in self._images(index)]
        blocks: list[tuple[str, str]] = [("p", text) for text in paragraphs]
        for url in images:
            blocks.insert(rng.randint(0, len(blocks)), ("img", url))
        images = [url for kind, url in blocks if kind == "img"]  # document order
        if revision:
            update = _edit_paragraph(_rng(self.seed, f"edit{revision}", index), revision, year)
            paragraphs.append(update)
            blocks.append(("p", update))
        return ReplicaArticle(
            index=index,
            id=self.first_id + index,
            url=self.article_url(index),
            title=title,
            published=published,
            paragraphs=paragraphs,
            images=images,
            attachments=[(name, f"http://{self.host}{href}") for name, href in self._attachments(index)],
            body_blocks=blocks,
            layout=ArticleLayout.for_index(index),
            revision=revision,
        )

    def _images(self, index: int) -> list[_Image]:
        """0–4 images; in about one article in five the first one is shared with other articles."""
        rng = _rng(self.seed, "images", index)
        count = rng.choices(range(MAX_IMAGES + 1), weights=(3, 3, 2, 1, 1))[0]
        if self.images_per_article is not None:
            count = self.images_per_article
        images = [self._image(rng, index * MAX_IMAGES + slot) for slot in range(count)]
        if images and rng.random() < 0.2:
            images[0] = self._pool_image(rng.randrange(POOL_SIZE))
        return images

    def _pool_image(self, slot: int) -> _Image:
        return self._image(_rng(self.seed, "pool", slot), POOL_KEY_BASE + slot)

    def _image(self, rng: random.Random, key: int) -> _Image:
        """A VSB-looking ``/__local/`` path whose middle part encodes ``key`` for reverse lookup."""
        digest = f"{rng.getrandbits(128):032X}"
        key_hex = f"{key ^ self._key_mask:08X}"
        size_hex = f"{rng.randrange(0x10000, 0x100000):05X}"
        path = f"/__local/{digest[0]}/{digest[1:3]}/{digest[3:5]}/{digest[5:]}_{key_hex}_{size_hex}.jpg"
        return _Image(path=path, vurl=f"/_vsl/{digest}/{key_hex}/{size_hex}")

    def _attachments(self, index: int) -> list[tuple[str, str]]:
        """About one article in ten has one or two attachments: (file name, root-relative href)."""
        rng = _rng(self.seed, "attachments", index)
        if rng.random() >= 0.1:
            return []
        year = str(self.published(index).year)
        names = [_fill(rng, "附件{k}：{year}年{topic}{filename}{ext}", k=str(k + 1), year=year) for k in range(rng.randint(1, 2))]
        return [(name, _download_href(self._file_id(index, k))) for k, name in enumerate(names)]

    @staticmethod
    def _file_id(index: int, k: int) -> int:
        return ATTACHMENT_BASE + index * 2 + k

    # -- rendering

    def render(self, target: str) -> Response:
        """Serve ``target`` (a path, or an absolute URL on this site's host) as the site would."""
        parts = urlsplit(target)
        if (parts.scheme or parts.netloc) and not self._is_own_host(parts.scheme, parts.netloc):
            return not_found()
        count = self._count
        path = parts.path or "/"
        if path == "/robots.txt":
            return Response(200, {"Content-Type": "text/plain; charset=utf-8"}, ROBOTS_TXT.encode())
        if path == "/xw.htm":
            return self._html(self._render_list(1, count))
        if match := _LIST_PATH.fullmatch(path):
            return self._render_numbered_list(int(match[1]), count)
        if match := self._article_path.fullmatch(path):
            return self._render_article_path(int(match[1]) - self.first_id, count)
        if match := _IMAGE_PATH.fullmatch(path):
            return self._faulty(path, self._render_image(path, int(match[1], 16) ^ self._key_mask, count))
        if path == _DOWNLOAD_PATH:
            target = f"{path}?{parts.query}"
            return self._faulty(target, self._render_download(target, parts.query, count))
        return not_found()

    def _faulty(self, target: str, response: Response) -> Response:
        """``response``, or the fault set for ``target`` (only files that exist can fail)."""
        fault = self._media_faults.get(target)
        if fault is None or response.status != 200:
            return response
        return media_fault(fault, response)

    def _is_own_host(self, scheme: str, netloc: str) -> bool:
        netloc = netloc.lower().removesuffix(":80")
        return scheme == "http" and netloc == self.host.lower()

    @staticmethod
    def _html(text: str) -> Response:
        return Response(200, {"Content-Type": HTML_TYPE}, text.encode())

    def _render_numbered_list(self, number: int, count: int) -> Response:
        page = self._claimed_pages(count) - number + 1
        if not 2 <= page <= _page_count(count, self.per_page):
            return not_found()
        return self._html(self._render_list(page, count))

    def _render_article_path(self, index: int, count: int) -> Response:
        if not 0 <= index < count:
            return not_found()
        return self._html(self._render_article(index, count))

    def _render_image(self, path: str, key: int, count: int) -> Response:
        if key >= POOL_KEY_BASE:
            known = key - POOL_KEY_BASE < POOL_SIZE and self._pool_image(key - POOL_KEY_BASE).path == path
        else:
            index = key // MAX_IMAGES
            known = index < count and any(image.path == path for image in self._images(index))
        if not known:
            return not_found()
        return Response(200, {"Content-Type": "image/jpeg"}, jpeg_bytes(path))

    def _render_download(self, target: str, query: str, count: int) -> Response:
        params = {name: values[-1] for name, values in parse_qs(query).items()}
        file_id = params.get("wbfileid", "")
        if params.get("urltype") != "news.DownloadAttachUrl" or params.get("owner") != str(OWNER) or not file_id.isdigit():
            return not_found()
        index, k = divmod(int(file_id) - ATTACHMENT_BASE, 2)
        attachments = self._attachments(index) if 0 <= index < count else []
        if k >= len(attachments):
            return not_found()
        name = attachments[k][0]
        served, encoding = self._attachment_names.get(target, (name, "rfc5987"))
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": content_disposition(served, encoding),
        }
        return Response(200, headers, f"REPLICA ATTACHMENT {file_id}\n{name}\n".encode())

    def _render_list(self, page: int, count: int) -> str:
        prefix = "" if page == 1 else "../"
        first_rank = (page - 1) * self.per_page
        items = [
            self._list_item(count - 1 - rank, prefix)
            for rank in range(first_rank, min(first_rank + self.per_page, count))
        ]
        if page == 1:
            items.insert(min(2, len(items)), self._offsite_item(count))
        pager = _Pager(self, page, self._claimed_pages(count), count)
        return _list_page(prefix, "\n".join(items), pager.html())

    def _list_item(self, index: int, prefix: str) -> str:
        title, published = self.headline(index)
        shown = title if len(title) <= LIST_TITLE_CHARS else title[:LIST_TITLE_CHARS] + "..."
        href = f"{prefix}info/{self.column}/{self.first_id + index}.htm"
        return _list_item_html(href, title, shown, published)

    def _offsite_item(self, count: int) -> str:
        """A WeChat article in the list, dated like the newest article; it is not a VSB article."""
        when = self.published(count - 1) if count else EPOCH
        title = "【微信推送】" + _fill(_rng(self.seed, "wechat", 0), "{org}{verb}{topic}{event}")
        return _list_item_html(self.offsite_links[0], title, title, when)

    def _render_article(self, index: int, count: int) -> str:
        article = self._compose(index)
        newer = self._neighbour_link("上一条", index + 1, count)
        older = self._neighbour_link("下一条", index - 1, count)
        images = {f"http://{self.host}{image.path}": image for image in self._images(index)}
        body = _body_html(article, images, f"http://{self.host}", _rng(self.seed, "markup", index))
        return _article_page(article, body, newer + older)

    def _neighbour_link(self, label: str, index: int, count: int) -> str:
        if not 0 <= index < count:
            return ""
        title = escape(self.title(index))
        return f'<p align="left">{label}：<a href="{self.first_id + index}.htm" title="{title}">{title}</a></p>\n'


def _target(url: str) -> str:
    """The origin-form target (path and query) of an absolute URL or of a target."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def content_disposition(name: str, encoding: str) -> str:
    """A Content-Disposition header naming ``name`` as ``encoding`` (see ``NAME_ENCODINGS``).

    Raw bytes travel as a latin-1 string: the server writes header values as latin-1, so each
    character becomes the byte it stands for.
    """
    if encoding == "rfc5987":
        return f"attachment; filename*=UTF-8''{quote(name)}"
    if encoding == "percent":
        return f'attachment; filename="{quote(name)}"'
    raw = name.encode("utf-8" if encoding == "utf-8" else "gbk").decode("latin-1")
    return 'attachment; filename="' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'


def media_fault(fault: str, response: Response) -> Response:
    """``response`` (an image or attachment) broken as ``fault`` (see ``MEDIA_FAULTS``)."""
    if fault == "http_404":
        return not_found()
    if fault == "http_500":
        body = b"<!DOCTYPE html><html><head><title>500</title></head><body><h1>Internal Server Error</h1></body></html>"
        return Response(500, {"Content-Type": HTML_TYPE}, body)
    if fault == "html":
        body = "<!DOCTYPE html><html><head><title>提示</title></head><body>文件不存在或已被删除</body></html>".encode()
        return Response(200, dict(response.headers), body)
    if fault == "empty":
        return Response(200, dict(response.headers), b"")
    if fault == "truncated":
        headers = {**response.headers, "Content-Length": str(len(response.body) + TRUNCATED_MISSING)}
        return Response(200, headers, response.body)
    padded = _padded(response.body, OVERSIZE_BYTES)
    if fault == "oversize":
        return Response(200, dict(response.headers), padded)
    return Response(200, {**response.headers, "Connection": "close"}, padded)


def _padded(body: bytes, size: int) -> bytes:
    """``body`` grown to ``size`` bytes; a JPEG stays a valid JPEG (comment segments after SOI)."""
    if not body.startswith(b"\xff\xd8"):
        return body + b"\0" * (size - len(body))
    filler = bytearray()
    missing = size - len(body)
    while missing > 4:
        chunk = min(missing - 4, 65533)
        filler += _segment(0xFE, b"\0" * chunk)
        missing -= chunk + 4
    return body[:2] + bytes(filler) + body[2:] + b"\0" * missing  # bytes after the end marker are ignored


def _page_count(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def _download_href(file_id: int) -> str:
    return f"{_DOWNLOAD_PATH}?urltype=news.DownloadAttachUrl&owner={OWNER}&wbfileid={file_id}"


# --- text -----------------------------------------------------------------------------------------


def _paragraph(rng: random.Random, year: str) -> str:
    """30–300 characters of whole sentences (each sentence is at most ~60 characters)."""
    target = rng.randint(30, 240)
    text = ""
    while len(text) < target:
        text += _fill(rng, _pick(rng, SENTENCE_TEMPLATES), year=year)
    return text


def _edit_paragraph(rng: random.Random, revision: int, year: str) -> str:
    return f"（更新{revision}）" + _fill(rng, rng.choice(SENTENCE_TEMPLATES), year=year)


# --- markup ---------------------------------------------------------------------------------------

_EMPTY_PARAGRAPHS = (
    "<p>&nbsp;</p>",
    "<p><br></p>",
    '<p class="MsoNormal"><span lang="EN-US"><o:p>&nbsp;</o:p></span></p>',
    '<p style="text-indent:2em"><span style="font-family:宋体">\u3000</span></p>',
)
_INDENTS = ("", "", "&nbsp;&nbsp;&nbsp;&nbsp;", "\u3000\u3000", "&nbsp; &nbsp; ")
_WORD_SPAN = '<span style="font-family:宋体;mso-ascii-font-family:&quot;Times New Roman&quot;;font-size:12.0pt">'


def _page_head(title: str, prefix: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">\n'
        f"<title>{escape(title)}</title>\n{extra}"
        f'<link href="{prefix}style/style.css" rel="stylesheet" type="text/css">\n'
        "<!--Announced by Visual SiteBuilder 9-->\n"
        f'<link rel="stylesheet" type="text/css" href="{prefix}_sitegray/_sitegray_d.css">\n'
        f'<script language="javascript" src="{prefix}_sitegray/_sitegray.js"></script>\n'
        "<!-- CustomerNO:7765626265723230747a475d5356574200000003 -->\n"
        + '<script type="text/javascript" src="/system/resource/js/counter.js"></script>\n'
        "</head>\n<body>\n"
        f'<div class="header"><div class="logo"><a href="{prefix}index.htm">'
        f'<img src="{prefix}images/logo.png" alt="{SITE_NAME}"></a></div>\n'
        '<ul class="nav">'
        f'<li><a href="{prefix}index.htm">首页</a></li><li class="on"><a href="{prefix}xw.htm">{COLUMN_NAME}</a></li>'
        f'<li><a href="{prefix}mtgc.htm">媒体工程</a></li><li><a href="{prefix}tzgg.htm">通知公告</a></li>'
        f'<li><a href="{prefix}zt.htm">专题网站</a></li></ul></div>\n'
    )


def _page_tail(prefix: str) -> str:
    return (
        '<div class="footer"><p>版权所有：哈尔滨工程大学党委宣传部 地址：黑龙江省哈尔滨市南岗区南通大街145号</p>\n'
        '<p><a href="https://beian.miit.gov.cn/" target="_blank">黑ICP备05004637号-1</a> 邮编：150001</p></div>\n'
        f'<script type="text/javascript" src="{prefix}js/jquery.min.js"></script>\n'
        "<script type=\"text/javascript\">$(function(){$('.nav li').hover(function(){$(this).addClass('hover');});});</script>\n"
        "</body>\n</html>\n"
    )


def _list_item_html(href: str, title: str, shown: str, when: datetime) -> str:
    return (
        f'<li class="list-right-li"><div class="list-right-tt txt-elise"><a href="{escape(href)}" target="_blank" '
        f'title="{escape(title)}">{escape(shown)}</a></div><span class="list-right-time">{when:%Y-%m-%d}</span></li>'
    )


def _list_page(prefix: str, items: str, pager: str) -> str:
    return (
        _page_head(f"{COLUMN_NAME}-{SITE_NAME}", prefix)
        + '<div class="list-main"><div class="list-left"><h2>'
        + COLUMN_NAME
        + "</h2></div>\n"
        '<div class="list-right"><div class="list-right-title">'
        f'<span>{COLUMN_NAME}</span><em>当前位置：<a href="{prefix}index.htm">首页</a> &gt; {COLUMN_NAME}</em></div>\n'
        f'<ul class="list-right-ul">\n{items}\n</ul>\n'
        '<link rel="stylesheet" Content-type="text/css" href="/system/resource/css/pagedown/sys.css">'
        '<div class="pb_sys_common pb_sys_normal pb_sys_style1" style="margin-top:10px;text-align:center;">'
        f"{pager}</div>\n</div></div>\n" + _page_tail(prefix)
    )


class _Pager:
    """The newer VSB pager (``span.p_pages``) as seen from display page ``page`` of ``pages``."""

    def __init__(self, site: ReplicaSite, page: int, pages: int, count: int) -> None:
        self.site, self.page, self.pages, self.count = site, page, pages, count

    @property
    def claimed_count(self) -> int:
        """The article total shown (``共N条``): the real one, plus the pages the pager invents."""
        return self.count + (self.pages - _page_count(self.count, self.site.per_page)) * self.site.per_page

    def href(self, target: int) -> str:
        path = self.site.list_path(target, self.count)
        if self.page == 1:
            return path.lstrip("/")
        return "../xw.htm" if target == 1 else path.removeprefix("/xw/")

    def link(self, css: str, target: int, text: str, enabled: bool) -> str:
        if not enabled:
            return f'<span class="{css}_d p_fun_d">{text}</span>'
        return f'<span class="{css} p_fun"><a href="{self.href(target)}">{text}</a></span>'

    def numbers(self) -> str:
        shown = sorted({1, self.pages} | set(range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)))
        parts, previous = [], 0
        for number in shown:
            if number > previous + 1:
                parts.append('<span class="p_dot">...</span>')
            if number == self.page:
                parts.append(f'<span class="p_no_d">{number}</span>')
            else:
                parts.append(f'<span class="p_no"><a href="{self.href(number)}">{number}</a></span>')
            previous = number
        return "".join(parts)

    def html(self) -> str:
        page, pages = self.page, self.pages
        return (
            f'<span class="p_pages"><span class="p_t">共{self.claimed_count}条</span><span class="p_t">{page}/{pages}页</span>'
            + self.link("p_first", 1, "首页", page > 1)
            + self.link("p_prev", page - 1, "上页", page > 1)
            + self.numbers()
            + self.link("p_next", page + 1, "下页", page < pages)
            + self.link("p_last", pages, "尾页", page < pages)
            + "</span>"
        )


def _article_meta(article: ReplicaArticle) -> str:
    if not article.layout.meta:
        return f'<META Name="keywords" Content="{SITE_NAME},{escape(article.title)}">\n'
    title = escape(article.title)
    return (
        f'<META Name="keywords" Content="{SITE_NAME},{title}">\n'
        f'<meta name="ContentStart"><meta name="ArticleTitle" content="{title}">\n'
        f'<meta name="PubDate" content="{article.published:%Y-%m-%d %H:%M}">\n'
        '<meta name="ContentSource" content="党委宣传部">\n'
        f'<meta name="Keywords" content="{title}">\n'
        f'<meta name="Url" content="{article.url}">\n'
    )


def _heading(article: ReplicaArticle) -> str:
    title = escape(article.title)
    return {
        "h1.content-tt": f'<h1 class="content-tt">{title}</h1>',
        "div.title": f'<div class="title">{title}</div>',
        "h2.titlestyle1234": f'<h2 class="titlestyle1234">{title}</h2>',
    }[article.layout.heading]


def _date_line(article: ReplicaArticle) -> str:
    when, article_id = article.published, article.id
    clicks = f'<script>_showDynClicks("wbnews", {OWNER}, {article_id})</script>'
    return {
        "div.time": f'<div class="time">{when:%Y-%m-%d}<em>作者：</em>浏览次数：<span>{clicks}</span></div>',
        "cn-minute": f'<div id="print" class="content-info">发布时间：{when:%Y年%m月%d日 %H:%M}'
        "&nbsp;&nbsp;&nbsp;&nbsp;作者：&nbsp;&nbsp;&nbsp;&nbsp;来源：党委宣传部</div>",
        "seconds": f'<div id="print" class="content-info"><span>时间：{when:%Y-%m-%d %H:%M:%S}</span>'
        f"<span>点击：{clicks}次</span></div>",
        "date-only": f'<div id="print" class="content-info">发布日期：{when:%Y-%m-%d}&nbsp;&nbsp;来源：新闻中心</div>',
        "clicks": f'<div id="print" class="content-info">发布时间: {when:%Y-%m-%d} | 浏览次数：<span>{clicks}</span></div>',
    }[article.layout.date_style]


def _container(container: str, inner: str) -> str:
    news = f'<div class="v_news_content">\n{inner}\n</div>'
    if container == "nested":
        return f'<div id="vsb_content">\n<div class="v_news_content">\n<div id="vsb_content">{news}</div>\n</div></div>'
    return f'<div id="{container}">{news}</div>'


def _body_html(article: ReplicaArticle, images: dict[str, _Image], origin: str, rng: random.Random) -> str:
    """Body blocks with the markup noise of VSB's editor and of Word/WPS pastes.

    ``images`` maps each truth URL to its VSB path and ``vurl``; an image's ``src`` is written
    absolute (``origin`` + path), root-relative or page-relative (``../..`` + path), as VSB does.
    """
    vsb_classes = rng.random() < 0.5
    last = len(article.body_blocks) - 1
    parts = []
    for position, (kind, value) in enumerate(article.body_blocks):
        if rng.random() < 0.15:
            parts.append(rng.choice(_EMPTY_PARAGRAPHS))
        if kind == "img":
            parts.append(_image_html(images[value], rng.choice((origin, "", "../.."))))
        else:
            css = ("vsbcontent_start" if position == 0 else "vsbcontent_end" if position == last else "") if vsb_classes else ""
            parts.append(_paragraph_html(value, css, rng))
    if rng.random() < 0.3:
        parts.append(rng.choice(_EMPTY_PARAGRAPHS))
    return "\n".join(parts)


def _image_html(image: _Image, src_prefix: str) -> str:
    return (
        '<p class="vsbcontent_img" style="text-align:center"><img width="600" height="400" '
        f'src="{src_prefix}{image.path}" class="img_vsb_content" orisrc="{image.path}" vurl="{image.vurl}" '
        'vwidth="600" vheight="400" vsbhref="vurl"></p>'
    )


def _paragraph_html(text: str, css: str, rng: random.Random) -> str:
    style = rng.choice(("plain", "indent", "word"))
    indent = rng.choice(_INDENTS)
    attrs = f' class="{css}"' if css else ""
    if style == "plain":
        return f"<p{attrs}>{indent}{escape(text)}</p>"
    if style == "indent":
        return f'<p{attrs} style="text-indent:2em">{indent}{escape(text)}</p>'
    attrs = f' class="{css or "MsoNormal"}"'
    return f'<p{attrs} style="text-indent:2em;line-height:150%">{indent}{_word_spans(text, rng)}<o:p></o:p></p>'


def _word_spans(text: str, rng: random.Random) -> str:
    """Split ``text`` into 2–4 runs wrapped in (sometimes nested) Word-style spans."""
    cuts = sorted(rng.sample(range(1, len(text)), min(rng.randint(1, 3), len(text) - 1)))
    pieces = [text[start:end] for start, end in itertools.pairwise([0, *cuts, len(text)])]
    spans = []
    for piece in pieces:
        span = f"{_WORD_SPAN}{escape(piece)}</span>"
        if rng.random() < 0.3:
            span = f'<span lang="EN-US" style="font-size:16px">{span}</span>'
        spans.append(span)
    return "".join(spans)


def _attachments_html(article: ReplicaArticle) -> str:
    if not article.attachments:
        return ""
    items = []
    for name, href in article.attachments:
        parts = urlsplit(href)
        file_id = parse_qs(parts.query)["wbfileid"][0]
        items.append(
            f'<li>附件【<a href="{escape(parts.path + "?" + parts.query)}" target="_blank">{escape(name)}</a>】已下载'
            f'<span id="nattach{file_id}"><script language="javascript">'
            f'getClickTimes({file_id},{OWNER},"wbnews","wbfileid")</script></span>次</li>'
        )
    return '<ul style="list-style-type:none;">\n' + "\n".join(items) + "\n</ul>\n"


def _article_page(article: ReplicaArticle, body: str, neighbours: str) -> str:
    prefix = "../../"
    scripts = "".join(
        f'<script language="javascript" src="{prefix}{src}"></script>'
        for src in (
            "system/resource/js/dynclicks.js", "_dwr/interface/NewsvoteDWR.js", "_dwr/engine.js",
            "system/resource/js/news/newscontent.js",
        )
    )
    return (
        _page_head(f"{article.title}-{SITE_NAME}", prefix, _article_meta(article))
        + f'<div class="content-main"><div class="breadcrumb">当前位置：<a href="{prefix}index.htm">首页</a>'
        f' &gt;&gt; <a href="{prefix}xw.htm">{COLUMN_NAME}</a> &gt;&gt; 正文</div>\n'
        f'<div class="content-box">{scripts}<script type="text/javascript">'
        f"NewsvoteDWR.getNewsLinkUrl({article.id},'{OWNER}','vsb',newsSkip);"
        'function newsSkip(data){if(data != ""){window.location.href = data;}}</script>\n'
        '<form name="_newscontent_fromname">\n'
        f"{_heading(article)}\n{_date_line(article)}\n"
        f"{_container(article.layout.container, body)}"
        '<div id="div_vote_id"></div>\n'
        f"{_attachments_html(article)}"
        f'<div class="content-page">\n{neighbours}</div>\n'
        '<div class="content-tools">【<a href="javascript:window.print()">打印本页</a>】'
        "【<a href=\"javascript:window.opener=null;window.open('','_self');window.close();\">关闭窗口</a>】</div>\n"
        "</form>\n</div></div>\n" + _page_tail(prefix)
    )
