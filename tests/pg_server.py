"""A real PostgreSQL server for the tests: started once per test session (per xdist worker),
each test given a fresh database, stopped at the end.

PostgreSQL refuses to run as root and CI runs as root, so `initdb` and the server run as the
`postgres` system user the Debian package creates, in a temporary folder that user owns. The
server listens only on a Unix socket in that folder (no TCP port to collide with another
worker's); trust authentication, since nothing but the socket's folder can reach it. `fsync`
is off: a test database that a power cut loses is no loss, and creating databases is faster.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("ARCHIVER_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
SYSTEM_USER = "postgres"
_numbers = count(1)


@dataclass
class PgServer:
    """A running server: its socket folder and port, and how to reach a database on it."""

    folder: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        """A libpq URL with the socket folder as `host=` (the form users give for a local socket)."""
        return f"postgresql://{SYSTEM_USER}@/{database}?host={self.folder}&port={self.port}"

    def create_database(self, template: str = "template0") -> str:
        """A new database, empty (copied from template0) or a copy of `template` (which no one
        may be connected to); its URL."""
        import psycopg

        name = f"test_{os.getpid()}_{next(_numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)


def _as_postgres(*command: str | os.PathLike[str]) -> list[str]:
    prefix = ["runuser", "-u", SYSTEM_USER, "--"] if os.geteuid() == 0 else []
    return [*prefix, *map(str, command)]


def _free_port() -> int:
    """A port number no TCP server on this machine uses (it names the socket file)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _skip_reason() -> str | None:
    if not (PG_BIN / "initdb").is_file():
        return f"PostgreSQL is not installed ({PG_BIN}/initdb missing; apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start PostgreSQL as the postgres user"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    return None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Start PostgreSQL for the session (skipped with the reason when it cannot run here)."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="archiver-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, SYSTEM_USER)
    data = folder / "data"
    port = _free_port()
    subprocess.run(_as_postgres(PG_BIN / "initdb", "-D", data, "-U", SYSTEM_USER, "--auth=trust",
                                "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"),
                   check=True, capture_output=True)
    options = (f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
    subprocess.run(_as_postgres(PG_BIN / "pg_ctl", "-D", data, "-l", folder / "server.log",
                                "-o", options, "-w", "start"), check=True, capture_output=True)
    try:
        yield PgServer(folder, port)
    finally:
        subprocess.run(_as_postgres(PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a fresh, empty database of its own for this test."""
    return pg_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's catalog lives: a file path (SQLite) or a fresh database's URL
    (PostgreSQL); tests using it run once for each."""
    if request.param == "sqlite":
        return str(tmp_path / "output" / ".archiver" / "catalog.sqlite")
    return request.getfixturevalue("pg_url")
