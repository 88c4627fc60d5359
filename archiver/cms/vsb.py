"""VSB (博达站群 / Visual SiteBuilder) preset; page structure notes are in the project README.

Article pages keep the body in `div.v_news_content` inside `form[name=_newscontent_fromname]`,
sometimes duplicated or nested, sometimes only `div#vsb_content[_N]` (e.g. `div.Information`).
Titles come from the `ArticleTitle` meta tag on newer templates, else from a heading in the
form; old table layouts put title and date outside the form, where the `<title>` and the
nearest date before the body find them. Attachments are `download.jsp` links after
`div#div_vote_id`; videos are `<script name="_videourl" vurl=…>` placeholders.
"""

from __future__ import annotations

from archiver.cms.base import Preset

FORM = "form[name=_newscontent_fromname]"

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
    list_items='li[id^="line_u"] a[href], div.list-right-tt > a[href]',
    next_page='span.p_next a[href], a.Next[href]',
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
        FORM,  # templates of custom fields only (faculty profiles): the form is the body
    ),
    article_area=(FORM,),
    attachment_links=('a[href*="download.jsp"]',),
    video_embeds=(("script[name=_videourl]", "vurl"),),
    strip=("script", "style", "#div_vote_id", "span[id^=dynclicks_]"),
)
