"""Fault mode for the replica: a site wrapper that makes chosen requests fail the way real
university servers do, so tests can check that the crawler handles each failure deliberately.

``FaultySite(site, rules)`` wraps any site the server can serve (a ``ReplicaSite`` or a test's
hand-made one). Each rule names a target pattern (a glob on the origin-form target, e.g.
``/info/1141/10005.htm`` or ``/info/*``, or a regular expression as ``re:…``), a fault from
``FAULTS`` and, optionally, how many matching requests it spoils before it clears (``times``),
so "archived after two retries" can be tested deterministically. Rules can be added and cleared
while the server runs. A seeded random mode (``set_random(rate, seed)``) spoils a fraction of all
requests for chaos tests; whether the n-th request for a target is spoiled depends only on
``(seed, target, n)``, never on thread timing.

Faults that happen on the wire (reset, stall, drip, truncate) travel to the server as a
``Transport`` on the response; everything else is an ordinary response with a bad status, bad
headers or a bad body. Encoding faults assume the wrapped site serves UTF-8 HTML.

This module does no I/O.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote

from archiver.replica.server import Site
from archiver.replica.site import HTML_TYPE, Response, Transport

LOGIN_PATH = "/authserver/login"
"""Where ``login_redirect`` sends the crawler: a single sign-on page with a password form."""
LOOP_PARAM = "_replica_loop"
"""Query parameter marking the second leg of a ``redirect_loop``."""
MiB = 1024 * 1024


@dataclass(frozen=True)
class FaultTiming:
    """The numbers behind the faults; tests shrink them to stay fast.

    - ``retry_after``: seconds in the ``Retry-After`` header of ``*_retry_after`` faults;
    - ``stall``: longest time a ``timeout`` holds a connection (the client usually gives up first);
    - ``drip``: seconds over which a ``drip`` response trickles out, in ``drip_chunks`` pieces;
    - ``huge``: size of a ``huge`` page in bytes;
    - ``nested``/``too_deep``: how many unclosed ``<font>`` tags the two nesting faults open.
      libxml2 (lxml's parser) refuses documents nested deeper than 2,048 elements.
    """

    retry_after: int = 1
    stall: float = 120.0
    drip: float = 1.0
    drip_chunks: int = 10
    huge: int = 10 * MiB
    nested: int = 1_000
    too_deep: int = 3_000


_ERROR_TEMPLATE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{status} {reason}</title></head>'
    "<body><h1>{status} {reason}</h1><p>服务器繁忙，请稍后再试。</p></body></html>"
)
ERROR_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>系统提示</title></head><body>'
    '<div class="error-box"><p>系统繁忙，请稍后再试！</p><p><a href="/index.htm">返回首页</a></p></div>'
    "</body></html>"
)
LOGIN_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>统一身份认证</title></head><body>'
    '<div class="login-box"><h2>统一身份认证平台</h2>'
    '<form id="casLoginForm" method="post" action="{action}">'
    '<p>用户名：<input type="text" name="username"></p>'
    '<p>密码：<input type="password" name="password"></p>'
    '<p><button type="submit">登录</button></p></form></div></body></html>'
)
_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
_CHARSET_META = re.compile(
    r"""<meta\s+charset\s*=\s*["']?[\w-]+["']?\s*/?>"""
    r"""|<meta\s+http-equiv\s*=\s*["']?content-type["']?[^>]*>""",
    re.IGNORECASE,
)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"(<p\b[^>]*>)(.*?)(</p>)", re.IGNORECASE | re.DOTALL)


class FaultHit(NamedTuple):
    """One spoiled request, for tests: which target, which fault, from a rule or at random, and
    when (``time.monotonic()``, so tests can see how long a client waited between attempts)."""

    target: str
    fault: str
    random: bool
    at: float


@dataclass
class FaultRule:
    """Spoil requests whose target matches ``pattern`` with ``fault``, ``times`` times (None: always)."""

    pattern: str
    fault: str
    times: int | None = None
    hits: int = 0

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; known: {', '.join(FAULTS)}")
        if self.times is not None and self.times < 0:
            raise ValueError("times must be >= 0 or None")
        self._regex = re.compile(self.pattern[3:]) if self.pattern.startswith("re:") else None

    def matches(self, target: str) -> bool:
        if self._regex is not None:
            return self._regex.search(target) is not None
        return fnmatch.fnmatchcase(target, self.pattern)

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times


class FaultySite:
    """``site`` with faults: explicit rules first (in the order added), then the random mode."""

    def __init__(
        self,
        site: Site,
        rules: Iterable[FaultRule | tuple[str, str] | tuple[str, str, int | None]] = (),
        *,
        random_rate: float = 0.0,
        seed: int = 0,
        random_faults: Iterable[str] | None = None,
        timing: FaultTiming | None = None,
    ) -> None:
        self.site = site
        self.timing = timing or FaultTiming()
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._seen: Counter[str] = Counter()
        self._hits: list[FaultHit] = []
        self._rate = 0.0
        self._seed = 0
        self._random_faults: tuple[str, ...] = ()
        for rule in rules:
            if isinstance(rule, FaultRule):
                self._add_rule(rule)
            else:
                self.add(*rule)
        self.set_random(random_rate, seed, random_faults)

    @property
    def host(self) -> str:
        return self.site.host

    # -- switching faults (safe while the server runs)

    def add(self, pattern: str, fault: str, times: int | None = None) -> FaultRule:
        rule = FaultRule(pattern, fault, times)
        self._add_rule(rule)
        return rule

    def _add_rule(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def set_random(self, rate: float, seed: int = 0, faults: Iterable[str] | None = None) -> None:
        """Spoil about ``rate`` of all requests (0 turns it off) with faults drawn from ``faults``
        (default: every fault); only requests the site answers with 200 are spoiled."""
        kinds = tuple(faults) if faults is not None else tuple(FAULTS)
        unknown = [kind for kind in kinds if kind not in FAULTS]
        if unknown or not kinds:
            raise ValueError(f"unknown or no faults: {unknown}; known: {', '.join(FAULTS)}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            self._rate, self._seed, self._random_faults = rate, seed, kinds

    def clear(self) -> None:
        """Remove every rule and stop the random mode: the site tells the truth again."""
        with self._lock:
            self._rules.clear()
            self._rate = 0.0

    # -- what happened

    @property
    def hits(self) -> list[FaultHit]:
        with self._lock:
            return list(self._hits)

    # -- serving

    def render(self, target: str) -> Response:
        path, _, query = target.partition("?")
        if path == LOGIN_PATH:
            action = f"{LOGIN_PATH}?{query}" if query else LOGIN_PATH
            return _html(200, LOGIN_PAGE.format(action=action.replace("&", "&amp;")))
        if LOOP_PARAM in query:
            back = "&".join(p for p in query.split("&") if not p.startswith(LOOP_PARAM))
            return _redirect(f"http://{self.host}{path}" + (f"?{back}" if back else ""))
        base = self.site.render(target)
        fault = self._choose(target, base)
        if fault is None:
            return base
        return FAULTS[fault].apply(self, target, base)

    def _choose(self, target: str, base: Response) -> str | None:
        with self._lock:
            self._seen[target] += 1
            for rule in self._rules:
                if not rule.spent and rule.matches(target):
                    rule.hits += 1
                    self._hits.append(FaultHit(target, rule.fault, False, time.monotonic()))
                    return rule.fault
            if not self._rate or base.status != 200:
                return None
            roll = _roll(self._seed, target, self._seen[target])
            if roll >= self._rate:
                return None
            html = base.headers.get("Content-Type", "").startswith("text/html")
            kinds = [kind for kind in self._random_faults if html or not FAULTS[kind].html_only]
            if not kinds:
                return None
            fault = kinds[int(roll / self._rate * len(kinds)) % len(kinds)]
            self._hits.append(FaultHit(target, fault, True, time.monotonic()))
            return fault


def _roll(seed: int, target: str, nth: int) -> float:
    """A number in [0, 1) fixed by ``(seed, target, nth)`` (``hash()`` is salted per process)."""
    digest = hashlib.blake2b(f"{seed}\0{target}\0{nth}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


# --- the faults -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One way to fail: a description (shown by ``python -m archiver.replica --help``), whether it
    only makes sense for HTML pages, and the function that spoils a response."""

    description: str
    html_only: bool
    spoil: Callable[[FaultySite, str, Response], Response]

    def apply(self, site: FaultySite, target: str, base: Response) -> Response:
        return self.spoil(site, target, base)


def _html(status: int, text: str, content_type: str = HTML_TYPE, **headers: str) -> Response:
    return Response(status, {"Content-Type": content_type, **headers}, text.encode("utf-8"))


def _redirect(location: str) -> Response:
    return Response(302, {"Location": location, "Content-Type": HTML_TYPE}, b"")


def _status(status: int, retry_after: bool) -> Callable[[FaultySite, str, Response], Response]:
    def spoil(site: FaultySite, target: str, base: Response) -> Response:
        extra = {"Retry-After": str(site.timing.retry_after)} if retry_after else {}
        return _html(status, _ERROR_TEMPLATE.format(status=status, reason=_REASONS[status]), **extra)
    return spoil


def _reset(site: FaultySite, target: str, base: Response) -> Response:
    return base._replace(transport=Transport("reset"))


def _stall(site: FaultySite, target: str, base: Response) -> Response:
    return base._replace(transport=Transport("stall", seconds=site.timing.stall))


def _truncated(site: FaultySite, target: str, base: Response) -> Response:
    return base._replace(transport=Transport("truncate", keep=len(base.body) // 2))


def _drip(site: FaultySite, target: str, base: Response) -> Response:
    timing = site.timing
    return base._replace(transport=Transport("drip", seconds=timing.drip, chunks=timing.drip_chunks))


def _redirect_loop(site: FaultySite, target: str, base: Response) -> Response:
    """``target`` → ``target?_replica_loop=1`` → ``target`` → …"""
    separator = "&" if "?" in target else "?"
    return _redirect(f"http://{site.host}{target}{separator}{LOOP_PARAM}=1")


def _login_redirect(site: FaultySite, target: str, base: Response) -> Response:
    """What a page that became intranet-only does: send the visitor to single sign-on."""
    service = quote(f"http://{site.host}{target}", safe="")
    return _redirect(f"http://{site.host}{LOGIN_PATH}?service={service}")


def _empty(site: FaultySite, target: str, base: Response) -> Response:
    return Response(200, dict(base.headers), b"")


def _error_page(site: FaultySite, target: str, base: Response) -> Response:
    return _html(200, ERROR_PAGE)


def _with_charset(html: str, charset: str | None) -> str:
    """``html`` with its charset declarations replaced by one for ``charset`` (None: none at all)."""
    html = _CHARSET_META.sub("", html)
    if charset is None:
        return html
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    head = _HEAD.search(html)
    return html[:head.end()] + meta + html[head.end():] if head else meta + html


def _gbk(header: str | None, meta: str | None) -> Callable[[FaultySite, str, Response], Response]:
    """The page in GBK (as GB18030, its superset, which leaves every GBK character as GBK
    bytes), with ``header`` as the Content-Type charset and ``meta`` as the page's own."""
    def spoil(site: FaultySite, target: str, base: Response) -> Response:
        text = _with_charset(base.body.decode("utf-8"), meta)
        content_type = f"text/html; charset={header}" if header else "text/html"
        return Response(base.status, {**base.headers, "Content-Type": content_type}, text.encode("gb18030"))
    return spoil


def _mixed(site: FaultySite, target: str, base: Response) -> Response:
    """A UTF-8 page whose paragraphs were pasted in as GBK: the template is UTF-8, the text of
    every ``<p>`` GBK (as sites that concatenate a UTF-8 template and a GBK database produce)."""
    text = base.body.decode("utf-8")
    parts: list[bytes] = []
    position = 0
    for match in _PARAGRAPH.finditer(text):
        parts.append(text[position:match.start(2)].encode("utf-8"))
        parts.append(match.group(2).encode("gb18030"))
        position = match.end(2)
    parts.append(text[position:].encode("utf-8"))
    return base._replace(body=b"".join(parts))


def _after_first_paragraph(html: str, insert: str) -> str:
    end = html.find("</p>")
    cut = end + len("</p>") if end >= 0 else len(html)
    return html[:cut] + insert + html[cut:]


def _huge(site: FaultySite, target: str, base: Response) -> Response:
    """The page grown to ``timing.huge`` bytes by an inline (``data:``) image after its first
    paragraph: what a Word paste with embedded pictures produces."""
    html = base.body.decode("utf-8")
    shell = '<p><img src="data:image/png;base64,{}" width="600" height="400"></p>'
    room = site.timing.huge - len(base.body) - len(shell) + 2
    payload = ("iVBORw0KGgoAAAANSUhEUgAA" + "A" * max(0, room))[: max(0, room)]
    return base._replace(body=_after_first_paragraph(html, shell.format(payload)).encode("utf-8"))


def _nested(depth: Callable[[FaultTiming], int]) -> Callable[[FaultySite, str, Response], Response]:
    """Unclosed ``<font>`` tags after the first paragraph, as old editors leave them: every
    later element of the body sits that much deeper."""
    def spoil(site: FaultySite, target: str, base: Response) -> Response:
        html = _after_first_paragraph(base.body.decode("utf-8"), "<font>" * depth(site.timing))
        return base._replace(body=html.encode("utf-8"))
    return spoil


FAULTS: dict[str, Fault] = {
    "http_500": Fault("500 Internal Server Error", False, _status(500, False)),
    "http_502": Fault("502 Bad Gateway", False, _status(502, False)),
    "http_503": Fault("503 Service Unavailable", False, _status(503, False)),
    "http_503_retry_after": Fault("503 with Retry-After (timing.retry_after s)", False, _status(503, True)),
    "http_429": Fault("429 Too Many Requests", False, _status(429, False)),
    "http_429_retry_after": Fault("429 with Retry-After (timing.retry_after s)", False, _status(429, True)),
    "reset": Fault("connection reset (TCP RST) before any answer", False, _reset),
    "timeout": Fault("no answer: the connection is held open (timing.stall s at most)", False, _stall),
    "truncated": Fault("half the body, then the connection closes (Content-Length says more)", False, _truncated),
    "drip": Fault("the body trickles out over timing.drip seconds", False, _drip),
    "redirect_loop": Fault("302 to the same URL with ?_replica_loop=1, which redirects back", False, _redirect_loop),
    "login_redirect": Fault(f"302 to a login page ({LOGIN_PATH}) with a password form", False, _login_redirect),
    "empty": Fault("200 with an empty body", False, _empty),
    "error_page": Fault("200 with a 系统繁忙 error page as the body", False, _error_page),
    "gbk": Fault("GBK bytes, charset=gbk in the header and the page", True, _gbk("gbk", "gbk")),
    "gb2312_meta": Fault("GBK bytes, charset=gb2312 in the page only", True, _gbk(None, "gb2312")),
    "gbk_undeclared": Fault("GBK bytes, no charset anywhere", True, _gbk(None, None)),
    "gbk_as_utf8": Fault("GBK bytes, declared UTF-8 in the header and the page", True, _gbk("utf-8", "utf-8")),
    "mixed_encoding": Fault("UTF-8 page whose paragraphs are GBK", True, _mixed),
    "huge": Fault("page grown to timing.huge bytes (10 MiB) by an inline data: image", True, _huge),
    "nested": Fault("timing.nested (1,000) unclosed <font> tags in the body", True, _nested(lambda t: t.nested)),
    "too_deep": Fault("timing.too_deep (3,000) unclosed <font> tags: deeper than lxml parses", True,
                      _nested(lambda t: t.too_deep)),
}
"""Every fault by name. ``html_only`` faults rewrite a UTF-8 HTML page; the random mode applies
them to HTML responses only."""
