"""Cluster benchmark: backfill throughput of 1, 2 and 3 workers on 6 replica hosts.

Run `python -m bench.cluster` from the project folder (needs `redis-server` and the `cluster`
extra; `--articles 200 --workers 1 2 3`). Each round starts a fresh redis-server on a Unix socket
and N `archiver worker --concurrency 1` processes sharing one output folder (SQLite catalog),
waits for their heartbeats, then times `archiver enqueue backfill` (6 sources, each its own host)
to the end of `archiver cluster wait`. The six sites are served by one replica server in this
process (`HostSites`), reached as the crawlers' proxy. Printed and written to
`bench/results/cluster.json`: articles, seconds, articles/s and the ratio to one worker.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from archiver.replica import HostSites, ReplicaServer, ReplicaSite
from bench.harness import FAST, NOW, RESULTS, ROOT, child_env, fresh_folder

sys.path.insert(0, str(ROOT / "tests"))
from redis_server import redis_server  # the tests' real-server helper

HOSTS = ["gongxue.cn", "news.nefu.edu.cn", "today.hit.edu.cn", "news.hrbeu.edu.cn", "news.neu.edu.cn",
         "news.dlut.edu.cn"]


def host_sites(articles: int) -> HostSites:
    return HostSites(ReplicaSite(articles=articles, seed=20 + i, host=host, column=1000 + i, first_id=10001 + 10000 * i)
                     for i, host in enumerate(HOSTS))


def sources_yaml() -> str:
    return "sources:\n" + "".join(
        f"  s{i}:\n    name: 大学{i}\n    label: {host}\n    cms: vsb\n    start_urls: [http://{host}/xw.htm]\n"
        for i, host in enumerate(HOSTS))


def archiver(args: list[str], folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archiver", *args], cwd=folder, env=env,
                          capture_output=True, text=True, check=False)


def measure(workers: int, articles: int, proxy: str) -> dict:
    folder = fresh_folder("cluster")
    (folder / "sources.yaml").write_text(sources_yaml(), encoding="utf-8")
    with redis_server() as redis:
        env = child_env(ARCHIVER_NOW=NOW, ARCHIVER_BROKER_URL=redis.url, http_proxy=proxy)
        procs = [subprocess.Popen([sys.executable, "-m", "archiver", "worker", "--concurrency", "1",
                                   "--config", "sources.yaml", *FAST], cwd=folder, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                 for _ in range(workers)]
        try:
            while len(redis.client().hgetall("archiver:workers")) < workers:
                time.sleep(0.1)
            start = time.monotonic()
            queued = archiver(["enqueue", "backfill"], folder, env)
            waited = archiver(["cluster", "wait"], folder, env)
            seconds = time.monotonic() - start
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                proc.wait()
    if queued.returncode or waited.returncode:
        raise RuntimeError(f"cluster run failed: {queued.stderr} {waited.stderr}")
    done = sum(1 for _ in (folder / "output").glob("s*/*.md"))
    return {"workers": workers, "articles": done, "seconds": round(seconds, 2), "articles_per_s": round(done / seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200, help="articles per host")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args(argv)
    rows = []
    with ReplicaServer(host_sites(args.articles)) as server:
        for n in args.workers:
            rows.append(measure(n, args.articles, server.url))
            rows[-1]["scaling"] = round(rows[-1]["articles_per_s"] / rows[0]["articles_per_s"], 2)
            print(json.dumps(rows[-1]), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cluster.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
