"""Deadlines of a report from its team's policy, and the reminders that chase them.

Each target counts from the report's arrival (the PSRT aims at 90 days from report to a
finished state). The deadline that matters is the first one the report's state still
owes. Reminders escalate: "soon" and "last day" go to the coordinator (the admins while
there is none), "overdue" to the whole team. The Reminder table's unique constraint
means each goes out once.
"""

from __future__ import annotations

import datetime as dt
import importlib
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from vulndesk.accounts.models import Membership, Team
from vulndesk.core import clock
from vulndesk.core.messages import render_message
from vulndesk.reports.models import OPEN_STATES, Report, State
from vulndesk.triage.models import Reminder, TriagePolicy

LABELS = {
    "acknowledge": "Acknowledge the report",
    "triage": "Assign a coordinator",
    "decision": "Decide whether it is a vulnerability",
    "fix": "Fix it",
    "publish": "Publish the advisory",
}


@dataclass(frozen=True)
class Deadline:
    name: str
    due_at: dt.datetime
    done_at: dt.datetime | None

    @property
    def label(self) -> str:
        return LABELS[self.name]

    def remaining(self, now: dt.datetime) -> dt.timedelta:
        return self.due_at - now

    def countdown(self, now: dt.datetime) -> str:
        left = self.remaining(now)
        days, seconds = divmod(abs(int(left.total_seconds())), 86400)
        hours = seconds // 3600
        span = f"{days} d {hours} h" if days else f"{hours} h"
        return f"{span} left" if left.total_seconds() >= 0 else f"overdue by {span}"


def _acknowledged_at(report: Report) -> dt.datetime | None:
    times = [t for t in (report.triaged_at, report.closed_at) if t is not None]
    return min(times) if times else None


def deadlines(report: Report, policy: TriagePolicy) -> list[Deadline]:
    start = report.created_at
    day = dt.timedelta(days=1)
    finished = report.published_at or report.closed_at
    return [
        Deadline("acknowledge", start + policy.acknowledge_days * day, _acknowledged_at(report)),
        Deadline("triage", start + policy.triage_days * day, report.coordinator_assigned_at),
        Deadline("decision", start + policy.decision_days * day, report.decided_at),
        Deadline("fix", start + policy.fix_days * day, report.fixed_at),
        Deadline("publish", start + policy.publish_days * day, finished),
    ]


def current_deadline(report: Report, policy: TriagePolicy) -> Deadline | None:
    """The deadline the report's state owes now, or None once it is finished."""
    if report.state not in OPEN_STATES:
        return None
    by_name = {d.name: d for d in deadlines(report, policy)}
    if report.state == State.NEW:
        name = "acknowledge"
    elif report.state == State.TRIAGE:
        name = "triage" if report.coordinator_id is None else "decision"
    elif report.state in (State.ACCEPTED, State.FIXING):
        name = "fix"
    else:
        name = "publish"
    return by_name[name]


def local(when: dt.datetime, policy: TriagePolicy) -> dt.datetime:
    return when.astimezone(zoneinfo.ZoneInfo(policy.time_zone))


def deadline_info(report: Report, policy: TriagePolicy, now: dt.datetime) -> dict[str, Any] | None:
    """The countdown shown on an open report, in the team's time zone."""
    deadline = current_deadline(report, policy)
    if deadline is None:
        return None
    return {
        "name": deadline.name,
        "label": deadline.label,
        "due": local(deadline.due_at, policy).isoformat(),
        "time_zone": policy.time_zone,
        "countdown": deadline.countdown(now),
        "overdue": deadline.remaining(now).total_seconds() < 0,
    }


def stage_for(deadline: Deadline, policy: TriagePolicy, now: dt.datetime) -> str | None:
    """The highest reminder stage reached now (only that one is sent)."""
    left = deadline.remaining(now)
    if left <= dt.timedelta(0):
        return Reminder.Stage.OVERDUE
    if left <= dt.timedelta(days=1):
        return Reminder.Stage.LAST_DAY
    if left <= dt.timedelta(days=policy.remind_before_days):
        return Reminder.Stage.SOON
    return None


def _emails(team: Team, *, role: str | None = None) -> list[str]:
    qs = Membership.objects.filter(team=team).select_related("user")
    if role:
        qs = qs.filter(role=role)
    return sorted({m.user.email for m in qs if m.user.email and m.user.is_active})


def recipients(report: Report, stage: str) -> list[str]:
    coordinator = [report.coordinator.email] if report.coordinator else []
    if stage == Reminder.Stage.OVERDUE:
        return sorted(set(coordinator) | set(_emails(report.team)))
    return coordinator or _emails(report.team, role=Membership.Role.ADMIN)


def _deliver(reminder: Reminder, report: Report) -> bool:
    """Hand the reminder to the mail app's outbox when it has one; else it stays recorded."""
    try:  # looked up at run time: the mail app lands its outbox independently
        mail_services = importlib.import_module("vulndesk.mail.services")
    except ImportError:
        return False
    queue = getattr(mail_services, "outbox_queue", None)
    if queue is None:
        return False
    queue(
        team=report.team,
        to=[reminder.recipient],
        subject=reminder.subject,
        body=reminder.body,
        report=report,
        dedupe_key=f"triage-reminder:{reminder.pk}",
    )
    return True


def remind(
    report: Report,
    *,
    deadline_name: str,
    stage: str,
    due_at: dt.datetime,
    to: list[str],
    policy: TriagePolicy,
    now: dt.datetime,
) -> list[Reminder]:
    """Write (and queue) one reminder per recipient, skipping those already sent."""
    deadline = Deadline(deadline_name, due_at, None)
    context = {
        "report": report,
        "deadline": deadline,
        "stage": stage,
        "due_local": local(due_at, policy),
        "countdown": deadline.countdown(now),
    }
    message = render_message("reminder", context)
    sent = []
    for recipient in to:
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    report=report,
                    deadline=deadline_name,
                    stage=stage,
                    recipient=recipient,
                    due_at=due_at,
                    created_at=now,
                    subject=message.subject,
                    body=message.body,
                )
                if _deliver(reminder, report):
                    reminder.queued = True
                    reminder.save(update_fields=["queued"])
        except IntegrityError:
            continue  # already sent: the unique constraint says so
        sent.append(reminder)
    return sent


def reminders_run(*, now: dt.datetime | None = None, team: Team | None = None) -> dict[str, Any]:
    """Give idle reports a coordinator from the rota, then send every reminder now due."""
    from vulndesk.triage.services import policy_for, rota_assign

    now = now or clock.now()
    teams = [team] if team else list(Team.objects.all())
    summary: dict[str, Any] = {"reminders": 0, "assigned": [], "at": now.isoformat()}
    for t in teams:
        policy = policy_for(t)
        reports = Report.objects.filter(team=t, state__in=OPEN_STATES).select_related(
            "team", "coordinator"
        )
        for report in reports:
            if (
                report.state == State.TRIAGE
                and report.coordinator_id is None
                and report.triaged_at is not None
                and now - report.triaged_at >= dt.timedelta(days=policy.rota_after_days)
            ):
                user = rota_assign(report, now=now)
                if user is not None:
                    report.refresh_from_db()
                    summary["assigned"].append({"key": report.key, "coordinator": user.username})
                    deadline = current_deadline(report, policy)
                    if deadline is not None:
                        summary["reminders"] += len(
                            remind(
                                report,
                                deadline_name=deadline.name,
                                stage=Reminder.Stage.ASSIGNED,
                                due_at=deadline.due_at,
                                to=[user.email],
                                policy=policy,
                                now=now,
                            )
                        )
            deadline = current_deadline(report, policy)
            if deadline is None:
                continue
            stage = stage_for(deadline, policy, now)
            if stage is None:
                continue
            summary["reminders"] += len(
                remind(
                    report,
                    deadline_name=deadline.name,
                    stage=stage,
                    due_at=deadline.due_at,
                    to=recipients(report, stage),
                    policy=policy,
                    now=now,
                )
            )
    return summary
