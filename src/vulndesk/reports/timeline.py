"""Writing the timeline: the only way events are created."""

from __future__ import annotations

from typing import Any

from vulndesk.accounts.models import User
from vulndesk.core import clock
from vulndesk.reports.models import Report, TimelineEvent


def actor_label(actor: User | None, fallback: str = "system") -> str:
    if actor is None:
        return fallback
    return f"{actor.display_name} <{actor.email}>"


def record(
    report: Report,
    *,
    actor: User | None,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    shared: bool = False,
    label: str = "",
) -> TimelineEvent:
    event = TimelineEvent.objects.create(
        report=report,
        at=clock.now(),
        actor=actor,
        actor_label=label or actor_label(actor),
        action=action,
        before=before or {},
        after=after or {},
        note=note,
        shared=shared,
    )
    from vulndesk.webhooks.services import webhooks_emit  # outbox rows, same transaction

    webhooks_emit(event)
    return event
