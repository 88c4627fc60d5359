"""Cluster mode end to end: real redis-server, real Celery workers (separate processes), a real
PostgreSQL catalog, real crawls of replica sites through one proxy, a worker killed mid-run.

The timings are shortened through the environment (visibility timeout 10 s, host lock 5 s, a
busy host retried after 1 s) so that a dead worker's task is delivered again within seconds.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cluster_sites import SAME_HOST, SOURCES, sites, sources_yaml
from conftest import SAMPLE_NOW, clean_env, run_archiver
from redis_server import redis_server

from archiver.replica import ReplicaServer

pytest.importorskip("celery")

CRAWL_SETTINGS = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
                  "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "ARCHIVER_PROGRESS=off"]
TIMINGS = {"ARCHIVER_VISIBILITY_TIMEOUT": "10", "ARCHIVER_HOST_LOCK_TTL": "5", "ARCHIVER_HOST_BUSY_RETRY": "1"}
WAIT_TIMEOUT = 600
ATTACHMENT_SUFFIX = re.compile(r"-[0-9a-f]{8}(\.\w+)$")
EXPORTED_ATTACHMENT_SUFFIX = re.compile(r'(/files/[^"/]*?)-[0-9a-f]{8}(\.\w+")')


class Cluster:
    """Worker processes (each in its own session, so killing one kills its pool and crawls, as a
    machine dying would) sharing `folder/output`, with a broker and a proxy."""

    def __init__(self, folder: Path, broker: str, proxy: str, catalog_url: str | None = None) -> None:
        self.folder, self.broker, self.proxy = folder, broker, proxy
        self.catalog = {"ARCHIVER_CATALOG_URL": catalog_url} if catalog_url else {}
        self.workers: list[subprocess.Popen[bytes]] = []

    def env(self) -> dict[str, str]:
        return clean_env(ARCHIVER_NOW=SAMPLE_NOW, ARCHIVER_BROKER_URL=self.broker, http_proxy=self.proxy,
                         **TIMINGS, **self.catalog)

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"worker{len(self.workers)}.log", "wb")  # noqa: SIM115 - the worker's
        worker = subprocess.Popen(
            [sys.executable, "-m", "archiver", "worker", "--concurrency", "1", "--output", "output",
             "--config", "sources.yaml", *CRAWL_SETTINGS],
            cwd=self.folder, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.workers.append(worker)
        return worker

    def archiver(self, *args: str, timeout: float = WAIT_TIMEOUT + 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "archiver", *args], cwd=self.folder, env=self.env(),
                              capture_output=True, text=True, timeout=timeout, check=False)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def files(output: Path, source: str) -> dict[str, bytes]:
    """Every file of a source's folder (articles and media), by relative path."""
    root = output / source
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def unsuffixed(found: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """Files with an attachment's collision suffix taken out of its name."""
    return sorted((ATTACHMENT_SUFFIX.sub(r"\1", name) if name.startswith("files/") else name, data)
                  for name, data in found.items())


def unsuffixed_paths(export: str) -> str:
    """An export with the attachments' collision suffixes taken out of their paths."""
    return EXPORTED_ATTACHMENT_SUFFIX.sub(r"\1\2", export)


def wait_mid_run(client, output: Path) -> str:
    """The worker name of a task that is running and has written part of its source, polled."""
    from archiver.cluster.state import snapshot

    deadline = time.monotonic() + WAIT_TIMEOUT
    while time.monotonic() < deadline:
        for task in snapshot(client).tasks:
            if task["state"] == "running" and task.get("worker"):
                done = len(list((output / task["source"]).glob("*.md")))
                if 30 <= done <= SOURCES[task["source"]][1] - 100:
                    return task["worker"]
        time.sleep(0.05)
    raise AssertionError("no task was seen mid-run")


def host_runs(log_lines: list[str], hosts: dict[str, str]) -> list[str]:
    """The sequence of sources (by request netloc) among `hosts`, consecutive repeats merged."""
    runs: list[str] = []
    for line in log_lines:
        source = hosts.get(urlsplit(line.split()[1]).netloc)
        if source and (not runs or runs[-1] != source):
            runs.append(source)
    return runs


@pytest.mark.slow
def test_cluster_backfill_survives_a_killed_worker_and_matches_one_machine(tmp_path: Path, pg_url: str) -> None:
    """The cluster's catalog is PostgreSQL; the one machine's is SQLite."""
    reference, shared = tmp_path / "one-machine", tmp_path / "cluster"
    for folder in (reference, shared):
        folder.mkdir()
        (folder / "sources.yaml").write_text(sources_yaml(), encoding="utf-8")
    netlocs = {host: source for source, (host, *_) in SOURCES.items()}
    with ReplicaServer(sites(), log_file=tmp_path / "requests.log") as server:
        for source in SOURCES:  # the single-machine backfill, one source after the other
            result = run_archiver(["backfill", source, *CRAWL_SETTINGS], cwd=reference, proxy=server.url)
            assert result.returncode == 0, result.stderr[-3000:]
        log_start = len((tmp_path / "requests.log").read_text().splitlines())

        with redis_server() as redis:
            cluster = Cluster(shared, redis.url, server.url, catalog_url=pg_url)
            try:
                for _ in range(3):
                    cluster.start_worker()
                queued = cluster.archiver("enqueue", "backfill", "--config", "sources.yaml")
                assert queued.returncode == 0, queued.stderr
                assert len(queued.stdout.splitlines()) == len(SOURCES)

                victim = wait_mid_run(redis.client(), shared / "output")
                pid = int(victim.split("@")[0].removeprefix("archiver-"))
                os.killpg(pid, signal.SIGKILL)  # the worker, its pool and its crawl
                cluster.start_worker()

                waited = cluster.archiver("cluster", "wait", "--timeout", str(WAIT_TIMEOUT))
                assert waited.returncode == 0, (waited.stderr, cluster.archiver("cluster", "status").stdout)
                status = json.loads(cluster.archiver("cluster", "status", "--json").stdout)
                assert {s: c["done"] for s, c in status["sources"].items()} == dict.fromkeys(SOURCES, 1)
                assert len(status["workers"]) == 4

                backfill_log = (tmp_path / "requests.log").read_text().splitlines()[log_start:]
                # The second crawl of an up-to-date cluster: robots.txt and the first list page.
                crawled = cluster.archiver("enqueue", "crawl", "--config", "sources.yaml")
                assert crawled.returncode == 0, crawled.stderr
                assert cluster.archiver("cluster", "wait", "--timeout", str(WAIT_TIMEOUT)).returncode == 0
                crawl_log = (tmp_path / "requests.log").read_text().splitlines()[log_start + len(backfill_log):]
            finally:
                cluster.stop()

    # Byte for byte, but for one thing that is not the cluster's: of two different attachments
    # with one name, the first downloaded gets the plain name and the other a "-<sha256[:8]>"
    # suffix, and concurrent downloads (one machine's too) decide which is first (test_chaos).
    for source, (_, articles, *_) in SOURCES.items():
        mine, theirs = files(shared / "output", source), files(reference / "output", source)
        assert sum(name.endswith(".md") for name in mine) == articles
        assert unsuffixed(mine) == unsuffixed(theirs), source
    verify = run_archiver(["verify"], cwd=shared, ARCHIVER_CATALOG_URL=pg_url)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert not (shared / "output" / ".archiver" / "catalog.sqlite").exists()  # all in PostgreSQL
    exports = [run_archiver(["export"], cwd=shared, ARCHIVER_CATALOG_URL=pg_url), run_archiver(["export"], cwd=reference)]
    assert all(e.returncode == 0 for e in exports)
    assert exports[0].stdout.count("\n") == sum(articles for _, articles, *_ in SOURCES.values())
    assert unsuffixed_paths(exports[0].stdout) == unsuffixed_paths(exports[1].stdout)

    # The two sources of one host never crawled at the same time: their requests do not
    # interleave (a run cut short by the kill may come back after the other one).
    runs = host_runs(backfill_log, {h: s for h, s in netlocs.items() if s in SAME_HOST})
    assert len(runs) <= 3 and set(runs) == set(SAME_HOST), runs
    per_source = Counter(netlocs[urlsplit(line.split()[1]).netloc] for line in crawl_log)
    assert per_source == dict.fromkeys(SOURCES, 2), crawl_log


def test_enqueue_with_an_unreachable_broker_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(sources_yaml(), encoding="utf-8")
    result = run_archiver(["enqueue", "crawl"], cwd=tmp_path,
                          ARCHIVER_BROKER_URL=f"redis+socket://{tmp_path}/no-such.sock")
    assert result.returncode == 2
    assert result.stderr.startswith("archiver: error: cannot reach the broker redis+socket://")
    assert result.stderr.count("\n") == 1 and result.stdout == ""


@pytest.mark.slow
def test_status_and_wait_report_queued_timed_out_and_failed_tasks(tmp_path: Path) -> None:
    one = {"delta": SOURCES["delta"]}
    (tmp_path / "sources.yaml").write_text(sources_yaml(one), encoding="utf-8")
    with socket.socket() as probe:  # a port nothing listens on: every request is refused
        probe.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with redis_server() as redis:
        cluster = Cluster(tmp_path, redis.url, dead_proxy)
        try:
            assert cluster.archiver("enqueue", "crawl").stdout.startswith("queued crawl delta (")
            assert cluster.archiver("cluster", "status").stdout.splitlines() == [
                "delta: queued 1, running 0, done 0, failed 0"]
            timed_out = cluster.archiver("cluster", "wait", "--timeout", "0.2")
            assert timed_out.returncode == 124
            assert timed_out.stderr == "archiver: timed out: 1 task(s) still queued or running\n"

            cluster.start_worker()
            failed = cluster.archiver("cluster", "wait", "--timeout", str(WAIT_TIMEOUT))
            assert failed.returncode == 1, failed.stderr
            assert failed.stderr.startswith("failed: crawl delta (exit 1): delta: list pages 0,")
            status = cluster.archiver("cluster", "status").stdout.splitlines()
            assert status[0] == "delta: queued 0, running 0, done 0, failed 1"
            assert status[1].startswith("worker archiver-") and status[1].endswith(" s ago")
        finally:
            cluster.stop()


def test_host_lock_is_all_or_nothing_and_notices_when_it_is_lost() -> None:
    from archiver.cluster.hostlock import HostLock, host_key, source_hosts

    assert source_hosts(["http://gongxue.cn/xw.htm", "http://gongxue.cn:8081/xw.htm"], ["gongxue.cn"]) == ["gongxue.cn"]
    with redis_server() as redis:
        client = redis.client()
        first = HostLock(client, ["a.example", "b.example"], "task-1", ttl=0.3)
        second = HostLock(client, ["b.example", "c.example"], "task-2", ttl=0.3)
        assert first.acquire()
        assert not second.acquire() and second.holder() == "task-1"
        assert client.get(host_key("c.example")) is None  # nothing of a refused acquire is kept
        assert 0 < client.pttl(host_key("a.example")) <= 300

        lost = threading.Event()
        first.keep_alive(lost.set)
        client.set(host_key("a.example"), "someone-else")  # as after an expiry and a new holder
        assert lost.wait(timeout=30)
        first.release()  # frees only what is still its own
        assert client.get(host_key("a.example")) == "someone-else" and client.get(host_key("b.example")) is None
        assert second.acquire()


def test_workers_starting_together_on_a_new_postgresql_catalog_all_open_it(pg_url: str) -> None:
    """Six processes open a new PostgreSQL catalog at once: one creates the tables, the others
    wait on the migration lock and then find them (not "relation already exists")."""
    opening = "import sys; from archiver.catalog import Catalog; Catalog(sys.argv[1]).close()"
    processes = [subprocess.Popen([sys.executable, "-c", opening, pg_url], env=clean_env(),
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [e for e in errors if e] == [] and all(p.returncode == 0 for p in processes)
