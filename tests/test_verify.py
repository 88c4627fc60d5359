"""`archiver verify [--repair]` on real crawls of the replica site, damaged in every way a
crash, a disk or a person can damage an archive; then the next crawl fetches exactly what the
repair removed, and the archive is byte-identical to a clean run. Every test runs with a SQLite
catalog and with a PostgreSQL one (a real server, `tests/pg_server.py`)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archiver.catalog import Catalog
from archiver.lock import OutputLock, SourceLocks
from archiver.replica import ReplicaServer, ReplicaSite
from conftest import FAST, HRBEU_YAML
from conftest import run_archiver as run_with_env

LOCAL_YAML = HRBEU_YAML + "    image_links: local\n"
SITE = {"articles": 40, "seed": 11}
CATALOG = Path("output") / ".archiver" / "catalog.sqlite"
# The PostgreSQL catalog of each archive folder (folders absent here use their SQLite file).
CATALOG_URLS: dict[Path, str] = {}


def run_archiver(args: list[str], cwd: Path, **options):
    """`archiver ARGS` in `cwd`, with that archive's catalog (ARCHIVER_CATALOG_URL when it is
    in PostgreSQL)."""
    if cwd in CATALOG_URLS:
        options["ARCHIVER_CATALOG_URL"] = CATALOG_URLS[cwd]
    return run_with_env(args, cwd=cwd, **options)


def catalog_of(folder: Path) -> Path | str:
    return CATALOG_URLS.get(folder, folder / CATALOG)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def clean(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The replica backfilled once, with media archived and linked locally; never modified."""
    folder = tmp_path_factory.mktemp(f"clean-{request.param}")
    if request.param == "postgresql":
        CATALOG_URLS[folder] = request.getfixturevalue("pg_server").create_database()
    (folder / "sources.yaml").write_text(LOCAL_YAML, encoding="utf-8")
    with ReplicaServer(ReplicaSite(**SITE)) as server:
        result = run_archiver(["backfill", "hrbeu", *FAST], cwd=folder, proxy=server.url)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


@pytest.fixture
def archive(request: pytest.FixtureRequest, clean: Path, tmp_path: Path) -> Path:
    """A copy of the clean archive (catalog included) to damage."""
    copy = Path(shutil.copytree(clean, tmp_path / "archive"))
    if clean in CATALOG_URLS:  # a PostgreSQL database is copied by the server, from a template
        CATALOG_URLS[copy] = request.getfixturevalue("pg_server").create_database(
            template=CATALOG_URLS[clean].split("/")[3].split("?")[0])
    return copy


def sqlite_only(folder: Path) -> None:
    if folder in CATALOG_URLS:
        pytest.skip("about the SQLite file (PostgreSQL keeps its own files)")


def files(folder: Path) -> dict[str, bytes]:
    """Every archived file (articles and media) by path relative to the output folder."""
    root = folder / "output"
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*") if p.is_file() and ".archiver" not in p.parts}


def verify(folder: Path, *args: str) -> tuple[int, dict, str]:
    """Run `archiver verify --json ARGS`: exit code, the JSON document, stderr."""
    result = run_archiver(["verify", "--json", *args], cwd=folder)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout) if result.stdout else {}, result.stderr


def kinds(document: dict) -> set[tuple[str, str]]:
    return {(f["kind"], f["path"]) for f in document["findings"]}


def catalog_media(folder: Path) -> list[dict]:
    """Every media row with its article's URL and path."""
    with Catalog(catalog_of(folder)) as catalog:
        rows = catalog.db.execute(
            "SELECT a.url AS article, a.path AS article_path, m.* FROM media m "
            "JOIN articles a ON a.id = m.article_id ORDER BY a.url, m.kind, m.position"
        )
        return [dict(row) for row in rows]


def exclusive_media(rows: list[dict], articles: set[str]) -> set[str]:
    """Local paths of media that only these articles use."""
    others = {r["local_path"] for r in rows if r["article"] not in articles}
    return {r["local_path"] for r in rows if r["article"] in articles and r["local_path"] not in others}


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_a_clean_archive_verifies(clean: Path) -> None:
    code, document, _ = verify(clean)
    assert code == 0
    assert document["findings"] == []
    stored = sum(not name.endswith(".md") for name in files(clean))
    assert stored == len({r["local_path"] for r in catalog_media(clean)}) > 40
    assert document["sources"]["hrbeu"] == {
        "articles": 40, "files": 40, "media": stored, "problems": 0, "repaired": 0,
        "unresolved": 0, "orphans": 0,
    }
    human = run_archiver(["verify"], cwd=clean)
    assert human.returncode == 0
    assert human.stdout.splitlines() == [
        f"hrbeu: 40 articles, 40 files, {stored} media files checked; 0 problems",
        "archiver verify: the catalog and the files agree",
    ]


def test_every_damage_is_found_repaired_and_fetched_again(clean: Path, archive: Path) -> None:
    before = files(clean)
    media = catalog_media(archive)
    with_attachments = sorted({r["article"] for r in media if r["kind"] == "attachment"})
    with_images = sorted({r["article"] for r in media if r["kind"] == "image"} - set(with_attachments))
    a, b = with_attachments[:2]  # A: file deleted; B: row deleted
    c, d, e = with_images[:3]    # C: file truncated; D: file edited; E: its image deleted
    path = {r["article"]: r["article_path"] for r in media}
    shared = next(r for r in media if sum(m["local_path"] == r["local_path"] for m in media) > 1
                  and r["article"] not in {a, b, c, d, e})
    m1 = next(r for r in media if r["article"] == e)
    m2 = shared  # an image two articles share: both rows must be re-downloaded
    root = archive / "output"

    (root / path[a]).unlink()
    with Catalog(catalog_of(archive)) as catalog, catalog.transaction() as db:
        db.execute("DELETE FROM articles WHERE url = ?", (b,))
    whole_c = (root / path[c]).read_bytes()
    (root / path[c]).write_bytes(whole_c[: len(whole_c) // 2])
    edited_d = (root / path[d]).read_bytes().replace("。".encode(), "！".encode(), 1)
    (root / path[d]).write_bytes(edited_d)
    (root / m1["local_path"]).unlink()
    (root / m2["local_path"]).write_bytes(b"not the image any more")
    (root / "hrbeu" / ".abc.md.k2j4.tmp").write_bytes(b"half an article")
    (root / "hrbeu" / "images" / ".x.jpg.q9w8.tmp").write_bytes(b"half an image")

    problems = {
        ("missing_file", path[a]), ("missing_row", path[b]), ("damaged_file", path[c]),
        ("hash_mismatch", path[d]), ("media_missing", m1["local_path"]),
        ("media_hash", m2["local_path"]), ("temp_file", "hrbeu/.abc.md.k2j4.tmp"),
        ("temp_file", "hrbeu/images/.x.jpg.q9w8.tmp"),
    }
    b_media = exclusive_media(media, {b})  # its rows went with its article row
    assert b_media
    code, found, _ = verify(archive)
    assert code == 1
    assert kinds(found) == problems | {("orphan", p) for p in b_media}
    assert found["sources"]["hrbeu"]["problems"] == len(problems)
    assert all(not f["repaired"] and f["outcome"] is None for f in found["findings"])
    assert files(archive).keys() == (before.keys() - {m1["local_path"], path[a]}) | {
        "hrbeu/.abc.md.k2j4.tmp", "hrbeu/images/.x.jpg.q9w8.tmp"}  # verify alone changes nothing

    code, repaired, _ = verify(archive, "--repair")
    assert code == 0
    refetched = {a, c}
    # Each step sees the repairs before it: B's media are claimed by its rebuilt row, while the
    # media only A and C used lose their rows with them.
    orphans = {("orphan", p) for p in exclusive_media(media, refetched)}
    assert kinds(repaired) == problems | orphans
    assert {(f["kind"], f["path"]) for f in repaired["findings"] if f["repaired"]} == problems
    outcomes = {f["kind"]: f["outcome"] for f in repaired["findings"]}
    assert outcomes["missing_file"] == "row removed; the next crawl fetches the article again"
    assert outcomes["damaged_file"] == "file deleted and row removed; the next crawl fetches the article again"
    assert outcomes["media_hash"] == "file deleted, 2 media rows marked failed; the next crawl downloads it again"
    assert outcomes["orphan"] == "kept (--prune-orphans deletes orphan media files)"
    assert not (root / path[c]).exists() and not (root / m2["local_path"]).exists()
    assert (root / path[d]).read_bytes() == edited_d  # an edited, whole file is trusted
    with Catalog(catalog_of(archive)) as catalog:
        rebuilt = catalog.article("hrbeu", b)
        assert catalog.article("hrbeu", a) is None and catalog.article("hrbeu", c) is None
        assert {f["url"]: f["reason"] for f in catalog.failures("hrbeu")} == {
            a: "verify_missing", c: "verify_damaged"}
        failed = catalog.db.execute(
            "SELECT url, last_error, attempts, next_attempt, local_path FROM media WHERE state = 'failed'"
        ).fetchall()
        rebuilt_media = catalog.media("hrbeu", b)
    with Catalog(catalog_of(clean)) as catalog:
        original = catalog.article("hrbeu", b)
    assert original is not None and original.published is not None
    # Everything the file holds comes back; the publication date is not in it.
    assert rebuilt == replace(original, published=None, updated=None, checked=original.archived)
    original_b = [r for r in media if r["article"] == b]
    assert [(m.kind, m.position, m.state, m.local_path, m.sha256) for m in rebuilt_media] == [
        (r["kind"], r["position"], "done", r["local_path"], r["sha256"]) for r in original_b]
    assert sorted((r[0], r[1].split(":")[0], r[2], r[3], r[4]) for r in failed) == sorted(
        [(m1["url"], "verify_missing", 0, None, None)]
        + [(r["url"], "verify_hash", 0, None, None) for r in media if r["local_path"] == m2["local_path"]])

    code, after, _ = verify(archive)
    assert code == 0
    assert kinds(after) == orphans

    with ReplicaServer(ReplicaSite(**SITE)) as server:
        result = run_archiver(["crawl", "hrbeu", *FAST], cwd=archive, proxy=server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        fetched = {r.path for r in server.requests}
    assert {p for p in fetched if p.startswith("/info/")} == {origin(u) for u in refetched}
    downloads = {p for p in fetched if not p.startswith(("/info/", "/xw", "/robots.txt"))}
    assert downloads == {origin(r["url"]) for r in media
                         if r["local_path"] in exclusive_media(media, refetched) | {m1["local_path"], m2["local_path"]}}

    code, final, _ = verify(archive)
    assert (code, final["findings"]) == (0, [])
    assert files(archive) == {**before, path[d]: edited_d}


def test_a_damaged_file_without_row_is_deleted_and_backfilled(clean: Path, archive: Path) -> None:
    media = catalog_media(archive)
    victim = next(r for r in media if r["kind"] == "image")
    name = victim["article_path"]
    whole = (archive / "output" / name).read_bytes()
    (archive / "output" / name).write_bytes(whole[:200])  # inside the front matter
    with Catalog(catalog_of(archive)) as catalog, catalog.transaction() as db:
        db.execute("DELETE FROM articles WHERE url = ?", (victim["article"],))

    code, found, _ = verify(archive, "--repair")
    assert code == 0
    damaged = [f for f in found["findings"] if f["kind"] == "damaged_file"]
    assert [(f["path"], f["repaired"], f["outcome"]) for f in damaged] == [
        (name, True, "file deleted; the next backfill fetches the article again")]
    assert "front matter block is not closed" in damaged[0]["message"]
    assert not (archive / "output" / name).exists()

    with ReplicaServer(ReplicaSite(**SITE)) as server:
        result = run_archiver(["backfill", "hrbeu", *FAST], cwd=archive, proxy=server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        articles = {r.path for r in server.requests if r.path.startswith("/info/")}
    assert articles == {origin(victim["article"])}
    code, after, _ = verify(archive)
    assert (code, after["findings"]) == (0, [])
    assert files(archive) == files(clean)


def test_a_row_pointing_outside_the_output_folder(archive: Path) -> None:
    outside = archive / "elsewhere.md"
    outside.write_text("not the archive's", encoding="utf-8")
    with Catalog(catalog_of(archive)) as catalog, catalog.transaction() as db:
        url, path = db.execute("SELECT url, path FROM articles ORDER BY url LIMIT 1").fetchone()
        db.execute("UPDATE articles SET path = '../elsewhere.md' WHERE url = ?", (url,))

    code, found, _ = verify(archive)
    assert code == 1
    assert kinds(found) == {("outside_output", "../elsewhere.md"), ("missing_row", path)}
    code, repaired, _ = verify(archive, "--repair")
    assert code == 0
    assert all(f["repaired"] for f in repaired["findings"])
    assert outside.read_text(encoding="utf-8") == "not the archive's"  # never touched
    with Catalog(catalog_of(archive)) as catalog:
        assert catalog.article("hrbeu", url).path == path  # rebuilt from the real file
        assert catalog.failures("hrbeu") == []  # and no longer due for a re-fetch
    code, after, _ = verify(archive)
    assert (code, after["findings"]) == (0, [])


def test_a_second_copy_of_an_article_cannot_be_repaired(archive: Path) -> None:
    root = archive / "output" / "hrbeu"
    original = sorted(root.glob("*.md"))[0]
    shutil.copyfile(original, root / "copy.md")
    code, found, _ = verify(archive, "--repair")
    assert code == 1
    [finding] = found["findings"]
    assert (finding["kind"], finding["path"], finding["repaired"]) == ("missing_row", "hrbeu/copy.md", False)
    assert finding["outcome"].endswith(
        f"as hrbeu/{original.name} already; this file is a second copy: delete one of them")
    human = run_archiver(["verify", "--repair"], cwd=archive)
    assert human.returncode == 1
    assert "archiver verify: 0 of 1 problems repaired; 1 could not be" in human.stdout
    assert "-> NOT repaired: the catalog has" in human.stdout


def test_orphans_are_kept_unless_pruned(archive: Path) -> None:
    orphan = archive / "output" / "hrbeu" / "files" / "stray.pdf"
    orphan.write_bytes(b"%PDF-1.4 someone put this here")
    code, found, _ = verify(archive, "--repair")
    assert code == 0  # an orphan is a notice, not an inconsistency
    assert [(f["kind"], f["problem"], f["repaired"]) for f in found["findings"]] == [("orphan", False, False)]
    assert orphan.exists()
    usage = run_archiver(["verify", "--prune-orphans"], cwd=archive)
    assert usage.returncode == 2
    assert "archiver: error: --prune-orphans only works with --repair" in usage.stderr
    code, pruned, _ = verify(archive, "--repair", "--prune-orphans")
    assert code == 0
    assert [f["outcome"] for f in pruned["findings"]] == ["deleted (--prune-orphans)"]
    assert not orphan.exists()


def test_a_lost_catalog_is_rebuilt_from_the_files(clean: Path, archive: Path) -> None:
    sqlite_only(archive)
    for part in (archive / CATALOG).parent.glob("catalog.sqlite*"):
        part.unlink()
    missing = run_archiver(["verify"], cwd=archive)
    assert missing.returncode == 2
    assert "no catalog here (run a crawl first, or `archiver verify --repair`" in missing.stderr

    code, rebuilt, _ = verify(archive, "--repair")
    assert code == 0
    assert rebuilt["catalog_created"] is True
    assert {f["kind"] for f in rebuilt["findings"]} == {"missing_row"}
    assert len(rebuilt["findings"]) == 40 and all(f["repaired"] for f in rebuilt["findings"])
    code, after, _ = verify(archive)
    assert (code, after["findings"]) == (0, [])  # local links made every medium `done` again

    with ReplicaServer(ReplicaSite(**SITE)) as server:
        result = run_archiver(["crawl", "hrbeu", *FAST], cwd=archive, proxy=server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert [r.path for r in server.requests if r.path.startswith("/info/")] == []
    assert files(archive) == files(clean)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_catalog_is_a_clear_error(archive: Path, damage: str) -> None:
    sqlite_only(archive)
    path = archive / CATALOG
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all" * 100)
    else:
        data = path.read_bytes()
        path.write_bytes(data[:4096] + bytes(len(data) - 4096))  # header kept, pages zeroed
    result = run_archiver(["verify"], cwd=archive)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"archiver: error: {Path('output/.archiver/catalog.sqlite')}: ")
    assert ("not a database" in result.stderr) or ("catalog is damaged" in result.stderr)


def test_verify_waits_for_no_one_while_a_run_holds_the_folder(archive: Path) -> None:
    if archive in CATALOG_URLS:  # the lock is the database's, per source
        lock = SourceLocks(CATALOG_URLS[archive], ["hrbeu"], "archiver crawl (test)")
    else:
        lock = OutputLock(archive / "output", "archiver crawl (test)")
    with lock:
        result = run_archiver(["verify", "--repair"], cwd=archive)
    assert result.returncode == 75
    assert "another archiver run is using" in result.stderr


def test_usage_errors(archive: Path, tmp_path: Path) -> None:
    nowhere = run_archiver(["verify", "--output", str(tmp_path / "none")], cwd=archive)
    assert (nowhere.returncode, nowhere.stderr.strip()) == (
        2, f"archiver: error: {tmp_path / 'none'}: no archive here (no such folder)")
    unknown = run_archiver(["verify", "--source", "nosuch"], cwd=archive)
    assert unknown.returncode == 2
    assert "--source 'nosuch': not in the catalog, not in the sources file" in unknown.stderr
    only = run_archiver(["verify", "--source", "hrbeu", "--json"], cwd=archive)
    assert only.returncode == 0 and list(json.loads(only.stdout)["sources"]) == ["hrbeu"]


def test_a_missing_source_folder_empties_nothing(archive: Path) -> None:
    (archive / "output" / "hrbeu").rename(archive / "moved")
    code, found, _ = verify(archive, "--repair")
    assert code == 1
    [finding] = found["findings"]
    assert (finding["kind"], finding["path"], finding["repaired"]) == ("missing_folder", "hrbeu", False)
    assert finding["message"] == "the catalog has 40 articles of hrbeu but there is no folder output/hrbeu"
    assert finding["outcome"].startswith("nothing done: check --output")
    with Catalog(catalog_of(archive)) as catalog:
        assert catalog.count("hrbeu") == 40 and catalog.failures() == []
    (archive / "moved").rename(archive / "output" / "hrbeu")
    code, after, _ = verify(archive)
    assert (code, after["findings"]) == (0, [])
