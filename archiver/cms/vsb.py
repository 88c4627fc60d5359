"""VSB (博达站群 / Visual SiteBuilder) preset; page structure notes are in the project README.

Article pages keep the body in `div.v_news_content` inside `form[name=_newscontent_fromname]`,
sometimes duplicated or nested, sometimes only `div#vsb_content[_N]` (e.g. `div.Information`).
Titles come from the `ArticleTitle` meta tag on newer templates, else from a heading in the
form; old table layouts put title and date outside the form, where the `<title>` and the
nearest date before the body find them. Attachments are `download.jsp` links after
`div#div_vote_id`; videos are `<script name="_videourl" vurl=…>` placeholders.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from archiver.cms.base import Preset
from archiver.css import select

FORM = "form[name=_newscontent_fromname]"
# Text a content form without a body container must hold to be read as the body.
MIN_FORM_TEXT = 200


def form_body(doc: HtmlElement) -> tuple[HtmlElement, HtmlElement] | None:
    """The content form itself, for templates made only of custom fields (faculty profiles:
    name, title, research, each a field of its own, and no `vsb_content`). A form with little
    text (a stray paragraph, an error notice) is not an article."""
    for form in select(doc, FORM):
        if len(" ".join(form.text_content().split())) >= MIN_FORM_TEXT:
            return form, form
    return None

VSB = Preset(
    name="vsb",
    markers=(
        "visual sitebuilder",
        "_newscontent_fromname",
        "/system/resource/",
        "_dwr/engine.js",
        "vsb_content",
        "/__local/",
        "_showdynclicks(",
        "_jsq_(",
        "_simple_list_gotopage_fun(",
    ),
    article_url=r"/info/\d+/\d+\.s?html?\b|[?&]wbnewsid=\d+",
    # `tr[id^=line_u]`: table-era templates, whose list table also holds the pager.
    list_items='li[id^="line_u"] a[href], tr[id^="line_u"] a[href], div.list-right-tt > a[href]',
    # Old pagers mark 首页/上页/下页/尾页 all `a.Next` (or `Prev`): only 下页 goes forward.
    next_page='span.p_next a[href], a.Next[href]:contains("下页"), a.Next[href]:contains("下一页")',
    title_meta=("ArticleTitle",),
    title=(
        f"{FORM} h1",
        f"{FORM} .content-tt",
        f"{FORM} [class^=titlestyle]",
        f"{FORM} .title",
        f"{FORM} h2",
        f"{FORM} h3",
    ),
    date_meta=("PubDate",),
    date_regions=(".time", ".attribute", ".info", ".art-tit", "h4"),
    body=(
        f"{FORM} .v_news_content",
        f"{FORM} [id^=vsb_content]",
        ".v_news_content",
        "[id^=vsb_content]",
    ),
    body_finder=form_body,
    article_area=(FORM,),
    attachment_links=('a[href*="download.jsp"]',),
    video_embeds=(("script[name=_videourl]", "vurl"),),
    strip=("script", "style", "#div_vote_id", "span[id^=dynclicks_]"),
)
