"""Dying with the parent process (Linux `prctl(PR_SET_PDEATHSIG)`): a child that must not outlive
the process that started it, even a SIGKILLed one, asks the kernel to kill it then."""

from __future__ import annotations

import ctypes
import os
import signal

_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded at import: a child between fork and exec only calls it
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Be killed when the parent dies (call it in the child: as a `preexec_fn`, or first thing)."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def die_with(parent: int) -> None:
    """`die_with_parent` for a child already running, which then checks that `parent` has not
    died already (it would have been adopted by then)."""
    die_with_parent()
    if os.getppid() != parent:
        os._exit(1)
