"""Shared pieces of the benchmarks: a replica server in its own process, measured subprocesses.

The crawler runs in a child process so that its peak RSS (`ru_maxrss` from `wait4`) and wall
time are its own; the replica server runs in another, so serving pages never shares the
crawler's interpreter, GIL or memory.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NOW = "2021-11-26 01:22:02.872027"
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=WARNING",
        "-s", "ARCHIVER_PROGRESS=off"]
# The shipped sources file: the benchmarks crawl the replica as the `hrbeu` source.
SOURCES_YAML = (ROOT / "sources.yaml").read_text(encoding="utf-8")


@dataclass
class Measured:
    """One child process: exit code, wall seconds, CPU seconds and peak RSS in MiB (its own, and
    with the peaks of the processes it started added: the archiver's page workers)."""

    returncode: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    peak_rss_tree_mb: float = 0.0


@dataclass
class Replica:
    """A replica server process and its request log."""

    url: str
    log: Path
    process: subprocess.Popen

    def requests(self) -> list[str]:
        """Logged request lines (`METHOD URL STATUS`)."""
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []

    def reset_log(self) -> None:
        self.log.write_text("", encoding="utf-8")


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("ARCHIVER_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


@contextmanager
def replica(articles: int, seed: int = 0, extra_args: list[str] | None = None) -> Iterator[Replica]:
    """`python -m archiver.replica` in a child process; yields once it prints its URL."""
    folder = Path(tempfile.mkdtemp(prefix="bench-replica-"))
    log = folder / "requests.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver.replica", "--articles", str(articles), "--seed", str(seed),
         "--log", str(log), *(extra_args or [])],
        stdout=subprocess.PIPE, text=True, env=child_env(),
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("REPLICA "):
            raise RuntimeError(f"replica did not start: {line!r}")
        yield Replica(line.split()[1], log, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_measured(argv: list[str], cwd: Path, **env: str) -> Measured:
    """Run a command to completion: wall time, CPU time (`wait4`) and peak RSS.

    Peak RSS is the child's own `VmHWM`, sampled from /proc while it runs: `ru_maxrss` of a
    child starts at its parent's RSS at fork time on Linux, so a large benchmark driver would
    put a floor under every measurement.
    """
    out, err = cwd / ".bench-stdout", cwd / ".bench-stderr"
    started = time.perf_counter()
    peaks: dict[int, int] = {}
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(argv, cwd=cwd, env=child_env(**env), stdout=stdout, stderr=stderr)
        while True:
            for pid in [process.pid, *_descendants(process.pid)]:
                peaks[pid] = max(peaks.get(pid, 0), _vm_hwm_kb(pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.02)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        returncode=process.returncode,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peaks.get(process.pid, 0) / 1024,
        peak_rss_tree_mb=sum(peaks.values()) / 1024,
        stdout=out.read_text(encoding="utf-8"),
        stderr=err.read_text(encoding="utf-8"),
    )


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux `/proc/<pid>/task/<tid>/children`)."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                queue.append(child)
    return found


def _vm_hwm_kb(pid: int) -> int:
    """The process's peak resident set (`VmHWM`, KiB), 0 once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_archiver(args: list[str], cwd: Path, proxy: str, now: str = NOW) -> Measured:
    """`python -m archiver ARGS` as a measured child, crawling through the replica proxy."""
    return run_measured([sys.executable, "-m", "archiver", *args], cwd, ARCHIVER_NOW=now, http_proxy=proxy)


def fresh_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-"))
    (folder / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    return folder


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
