"""WebPlus (苏迪 SudyTech) preset; page structure notes are in the project README.

Article pages: title `h1.arti_title` (older templates `.Article_Title`), date `.arti_update`
(`2019.04.16`) or `.Article_PublishDate`, body `div.wp_articlecontent`. Attachments are inline
`<a sudyfile-attr=… href="/_upload/article/files/…">` after a UEditor file-type icon; a body may
be only a PDF viewer `div.wp_pdf_player[pdfsrc]`, and videos are `div.wp_video_player[sudy-wp-src]`.
Lists are `list.htm`, `list2.htm` … (counting up), items inside the `simpleList` portlet's
`#wp_news_wN`, pager `ul.wp_paging` whose ends carry `javascript:` links.
"""

from __future__ import annotations

from archiver.cms.base import Preset

LIST = "[portletmode=simpleList] [id^=wp_news_w]"

WEBPLUS = Preset(
    name="webplus",
    markers=(
        "wp_articlecontent",
        "wp_visitcount",
        "jquery.sudy.wp.visitcount.js",
        "portletmode=",
        "wp_news_w",
        "wp_paging",
        "sudyfile-attr",
        "/_upload/article/",
    ),
    article_url=r"/c\d+a\d+/pagem?\.(?:htm|html|psp|jsp)\b",
    list_items=f"{LIST} a[href]",
    next_page='.wp_paging a.next[href]:not([href^="javascript"])',
    title_meta=(),
    title=("h1.arti_title", ".arti_title", ".Article_Title", ".arti-title"),
    date_meta=(),
    date_regions=(".arti_update", ".Article_PublishDate", ".arti_metas", ".arti-update"),
    body=(".wp_articlecontent", ".Article_Content", ".read"),
    article_area=("[portletmode=simpleArticleAttri]", ".article", ".infobox"),
    attachment_links=('a[href*="/_upload/article/files/"]',),
    file_embeds=(("div.wp_pdf_player[pdfsrc]", "pdfsrc"),),
    video_embeds=(("div.wp_video_player[sudy-wp-src]", "sudy-wp-src"),),
    strip=("script", "style", 'img[src*="/_ueditor/"][src*="icon_"]'),
)
