"""Logging to standard error as it is when a record is written, not when logging was set up.

A plain StreamHandler keeps the stream it was given at configuration time; a program that
swaps sys.stderr later (pytest's capture, a daemon closing its terminal) leaves it writing
to a closed file, and threads such as aiosmtpd's then print "--- Logging error ---".
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO


class StderrHandler(logging.StreamHandler[TextIO]):
    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignored: the stream is always the current sys.stderr."""
