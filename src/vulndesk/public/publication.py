"""Publishing a report: registered steps, run in order, each idempotent and resumable.

Apps add their step from ``AppConfig.ready()``::

    from vulndesk.public.publication import register_step
    register_step("announcement", send_announcement, order=20)

A step is ``func(report, context) -> dict | None``. It must be idempotent: it may run
again after a crash or a failure (check whether its effect already exists before
making it again). Raising any exception marks the step failed with the message; later
steps wait (the order matters: the public page, then the announcement, then the CVE
record) and ``publication_run`` retries from the failed step. What a step returns is
stored as its result and handed to later steps in ``context.results[name]``.

Built-in orders: ``public-page`` 10 (the public advisory page and its feed entries);
by convention ``announcement`` 20 and ``cve-record`` 30.

Publishing (``report_publish``) queues one :class:`PublicationStep` row per registered
step in the same transaction as the state change (an outbox), then runs them after the
commit. ``vulndesk publication run`` retries whatever is not done.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from vulndesk.accounts.models import User
from vulndesk.core import clock
from vulndesk.reports.models import Report, State
from vulndesk.reports.timeline import record

from .models import PublicationStep, StepStatus

log = logging.getLogger(__name__)

# A step left "running" this long (its process died) may be claimed again.
STALE_AFTER = dt.timedelta(minutes=10)


@dataclass
class StepContext:
    """What a step knows besides the report."""

    actor: User | None
    revision: int = 1  # 1 = first publication; >1 = an update after publication
    change_note: str = ""
    announce_update: bool = False  # for revisions: should the announcement go out again
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_update(self) -> bool:
        return self.revision > 1


StepFunc = Callable[[Report, StepContext], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Step:
    name: str
    func: StepFunc
    order: int


_REGISTRY: dict[str, Step] = {}


def register_step(name: str, func: StepFunc, *, order: int = 100) -> None:
    """Add (or replace, so a repeated ``ready()`` is harmless) the publication step ``name``."""
    if not name or len(name) > 64:
        raise ValueError("A step name is 1-64 characters.")
    _REGISTRY[name] = Step(name=name, func=func, order=order)


def unregister_step(name: str) -> None:
    _REGISTRY.pop(name, None)


def registered_steps() -> list[Step]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))


# ------------------------------------------------------------------ guards


def publish_problems(report: Report) -> list[str]:
    """Why ``report`` may not be published yet beyond the foundation's guards (the
    embargo; each branch's fix merged or waived). Called by reports.workflow."""
    problems: list[str] = []
    embargo = getattr(report, "embargo", None) if report.pk else None
    if embargo is not None and embargo.until > clock.now():
        problems.append(f"it is under embargo until {embargo.display()}")
    from vulndesk.fixes.services import fix_publish_problems

    problems.extend(fix_publish_problems(report))
    return problems


# ------------------------------------------------------------------ queue and run


def publication_queue(
    report: Report,
    *,
    actor: User | None,
    revision: int = 1,
    change_note: str = "",
    announce_update: bool = False,
) -> list[PublicationStep]:
    """Write one pending row per registered step (inside the publishing transaction), and
    run them once that transaction commits."""
    rows = []
    for step in registered_steps():
        row, created = PublicationStep.objects.get_or_create(
            report=report,
            name=step.name,
            defaults={"order": step.order, "revision": revision},
        )
        if not created and (row.revision != revision or row.status != StepStatus.DONE):
            row.status = StepStatus.PENDING
            row.revision = revision
            row.order = step.order
            row.save(update_fields=["status", "revision", "order", "updated_at"])
        rows.append(row)
    PublicationStep.objects.filter(report=report).update(
        change_note=change_note, announce_update=announce_update
    )
    actor_pk = actor.pk if actor else None

    def run_later() -> None:
        try:
            who = User.objects.filter(pk=actor_pk).first() if actor_pk else None
            publication_run(Report.objects.get(pk=report.pk), actor=who)
        except Exception:  # the rows stay; `vulndesk publication run` retries
            log.exception("publication of %s stopped", report.key)

    transaction.on_commit(run_later)
    return rows


def _claim(row: PublicationStep) -> bool:
    """Conditional UPDATE: only one worker runs a step at a time."""
    now = clock.now()
    claimable = Q(status__in=[StepStatus.PENDING, StepStatus.FAILED]) | Q(
        status=StepStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    return bool(
        PublicationStep.objects.filter(claimable, pk=row.pk).update(
            status=StepStatus.RUNNING, started_at=now, attempts=row.attempts + 1
        )
    )


def publication_run(report: Report, *, actor: User | None = None) -> list[PublicationStep]:
    """Run the report's steps that are not done, in order; stop at the first failure.

    Returns every step row of the report, refreshed. Safe to call again at any time."""
    if report.state != State.PUBLISHED:
        return list(PublicationStep.objects.filter(report=report))
    rows = list(PublicationStep.objects.filter(report=report).order_by("order", "name"))
    registered: dict[str, Step] = {s.name: s for s in registered_steps()}
    known = {r.name for r in rows}
    missing = [s for s in registered.values() if s.name not in known]
    if missing:  # a step registered after this report was published
        revision = max((r.revision for r in rows), default=1)
        for new in missing:
            PublicationStep.objects.get_or_create(
                report=report, name=new.name, defaults={"order": new.order, "revision": revision}
            )
        rows = list(PublicationStep.objects.filter(report=report).order_by("order", "name"))
    first = rows[0] if rows else None
    context = StepContext(
        actor=actor,
        revision=first.revision if first else 1,
        change_note=first.change_note if first else "",
        announce_update=first.announce_update if first else False,
    )
    for row in rows:
        if row.status == StepStatus.DONE:
            context.results[row.name] = row.result
            continue
        step = registered.get(row.name)
        if step is None:
            _fail(row, report, actor, f"No step named {row.name!r} is registered any more.")
            break
        if not _claim(row):
            break  # another worker has it; it goes on there
        row.refresh_from_db()
        try:
            with transaction.atomic():
                result = step.func(report, context) or {}
        except Exception as exc:
            _fail(row, report, actor, f"{type(exc).__name__}: {exc}")
            break
        row.status = StepStatus.DONE
        row.result = result
        row.last_error = ""
        row.done_at = clock.now()
        row.save(update_fields=["status", "result", "last_error", "done_at", "updated_at"])
        context.results[row.name] = result
        record(
            report,
            actor=actor,
            action="publication:step:done",
            after={"step": row.name, "revision": row.revision, "attempt": row.attempts},
        )
    return list(PublicationStep.objects.filter(report=report).order_by("order", "name"))


def _fail(row: PublicationStep, report: Report, actor: User | None, error: str) -> None:
    row.status = StepStatus.FAILED
    row.last_error = error[:2000]
    row.save(update_fields=["status", "last_error", "updated_at"])
    record(
        report,
        actor=actor,
        action="publication:step:fail",
        after={"step": row.name, "revision": row.revision, "attempt": row.attempts},
        note=row.last_error,
    )


def publication_run_pending(*, actor: User | None = None) -> dict[str, list[PublicationStep]]:
    """Retry every published report with a step not done (the worker's loop body)."""
    keys = (
        PublicationStep.objects.exclude(status=StepStatus.DONE)
        .values_list("report_id", flat=True)
        .distinct()
    )
    out = {}
    for report in Report.objects.filter(pk__in=list(keys)).select_related("team"):
        out[report.key] = publication_run(report, actor=actor)
    return out


def publication_status(report: Report) -> list[PublicationStep]:
    return list(PublicationStep.objects.filter(report=report).order_by("order", "name"))
