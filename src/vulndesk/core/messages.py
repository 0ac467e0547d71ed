"""Message templates: one folder per message with ``subject.txt`` and ``body.txt``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def render_message(name: str, context: dict[str, Any]) -> RenderedMessage:
    subject = str(render_to_string(f"messages/{name}/subject.txt", context))
    body = str(render_to_string(f"messages/{name}/body.txt", context))
    # A subject is one line: collapse any newline a value smuggled in (header injection).
    return RenderedMessage(subject=" ".join(subject.split()), body=body.strip() + "\n")
