"""Worker threads the readers keep for the process, made again in a forked child.

The readers keep their threads (parsing, projecting, copying, writing) for the
process rather than starting new ones, and PROJ's transformer with them, on every
call. A child process made by ``fork`` (``multiprocessing``'s default on Linux)
inherits a ``ThreadPoolExecutor`` but none of its threads, so work handed to it
there would wait for ever. :class:`KeptPool` therefore makes a new executor in the
child, as the fork returns (``os.register_at_fork``), and every reader's pool is one.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["KeptPool"]

_ALL: weakref.WeakSet[KeptPool] = weakref.WeakSet()


class KeptPool:
    """A ``ThreadPoolExecutor`` of ``workers`` threads named ``name``, fork-safe.

    Threads start when work first comes (as the executor's do); in a forked child
    the pool starts afresh. Only :meth:`submit` is offered: the pool is never
    shut down (its threads end with the process).
    """

    def __init__(self, workers: int, name: str) -> None:
        self._workers, self._name = workers, name
        self._pool = self._new()
        _ALL.add(self)

    def _new(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(
            max_workers=self._workers, thread_name_prefix=self._name
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` on one of the pool's threads."""
        return self._pool.submit(fn, *args, **kwargs)

    def _renew(self) -> None:
        self._pool = self._new()  # the parent's threads do not exist here


def _in_child() -> None:
    for pool in list(_ALL):
        pool._renew()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_in_child)
