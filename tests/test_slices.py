"""Site slices of real sites (`../shared/corpus/sites/`): `archiver probe` on the list URL, then a
backfill with exactly the sources file probe printed, each slice served at its real http/https
URLs by the replica server (as proxy, with a throw-away certificate for https).

Every article the list links and the slice holds must be archived, none a stub; the pager is
followed as far as the slice goes; every linked article the slice lacks is a recorded failure
with its reason. The expected counts are the slices README's. Skipped only when `../shared`
(the shared corpus beside the clone) is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.slices import DEFAULT_SITES, START, run_slice

# slice: (list pages the pager reaches in the slice, linked articles the slice holds)
EXPECTED = {
    "ccfsys2021.zhejianglab.com": (1, 23),
    "cs.nankai.edu.cn": (2, 2),
    "eeis.ustc.edu.cn": (1, 3),
    "iai.buaa.edu.cn": (1, 2),
    "cs.ustc.edu.cn": (2, 1),
    "www.njupt.edu.cn": (1, 1),
    "jwc.njupt.edu.cn": (1, 1),
}
# Held but not an article: 陈畅's profile (eeis) has an empty body; it is recorded, not written.
EMPTY_ARTICLES = {"https://eeis.ustc.edu.cn/2017/0807/c2648a190436/page.htm": "no_body"}

pytestmark = pytest.mark.skipif(not DEFAULT_SITES.is_dir(), reason=f"{DEFAULT_SITES} is absent")


@pytest.mark.slow
@pytest.mark.parametrize("host", sorted(EXPECTED))
def test_probe_then_crawl_archives_every_held_article_of_the_slice(host: str, tmp_path: Path) -> None:
    result = run_slice(DEFAULT_SITES / host, START[host], tmp_path)
    assert result.probe_exit == 0, result.probe_output
    assert "Traceback" not in result.crawl_log
    list_pages, held = EXPECTED[host]
    assert len(result.list_pages_held) == list_pages
    assert result.list_pages_fetched == result.list_pages_held
    assert len(result.held_linked) == held
    empty = {u: r for u, r in EMPTY_ARTICLES.items() if u in result.held_linked}
    assert sorted(result.held_archived) == sorted(set(result.held_linked) - set(empty))
    assert result.stubs == []
    assert result.unrecorded == []
    assert {u: r for u, r in result.failed.items() if r != "http_404"} == empty
    assert result.crawl_exit == (1 if result.failed else 0)
