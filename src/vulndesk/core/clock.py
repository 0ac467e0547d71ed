"""One place that tells the time, so tests can control it.

Model fields use ``default=clock.now``; Django keeps a reference to this function, so
tests move time with :func:`frozen` (which ``now`` reads), not by replacing ``now``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: list[dt.datetime] = []


def now() -> dt.datetime:
    return _frozen[-1] if _frozen else timezone.now()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[dt.datetime]:
    """Within the block, :func:`now` is ``at`` (an aware datetime)."""
    if timezone.is_naive(at):
        raise ValueError("clock.frozen needs an aware datetime")
    _frozen.append(at)
    try:
        yield at
    finally:
        _frozen.pop()
