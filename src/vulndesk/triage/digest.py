"""The team digest: one mail per team member, daily or weekly, through the mail outbox.

It gathers what the deadline reminders do not: every report still waiting for triage
(new, or plausible without a coordinator), reports nobody touched for a while (no
timeline event for ``stale_days``), the open reports past a deadline (marked when past
the policy's report-to-finished target, the PSRT's 90 days), and the member's own open
reports with their next deadline. A member with nothing to read gets no mail.

Each digest is queued with an outbox dedupe key naming the team, the member and the
period (``2026-11-28`` or ``2026-W48`` in the team's time zone), so running the command
again, or from two machines, never sends one twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from vulndesk.accounts.models import Membership, Team, User
from vulndesk.core import clock
from vulndesk.core.errors import ValidationFailed
from vulndesk.core.messages import render_message
from vulndesk.reports.models import OPEN_STATES, Report, State
from vulndesk.triage.deadlines import current_deadline, local
from vulndesk.triage.models import TriagePolicy

PERIODS = ("daily", "weekly")
DEFAULT_STALE_DAYS = 14


@dataclass(frozen=True)
class DigestItem:
    key: str
    title: str
    state: str
    coordinator: str
    age_days: int
    note: str  # the next deadline and its countdown, or how long it has been idle


@dataclass
class TeamDigest:
    """What the whole team should see; each member's mail adds their own reports."""

    team: Team
    period: str
    period_label: str
    awaiting_triage: list[DigestItem] = field(default_factory=list)
    overdue: list[DigestItem] = field(default_factory=list)
    stale: list[DigestItem] = field(default_factory=list)
    mine: dict[int, list[DigestItem]] = field(default_factory=dict)  # user id -> items


def period_label(period: str, now: dt.datetime, policy: TriagePolicy) -> str:
    """The digest's period in the team's time zone: ``2026-11-28`` or ``2026-W48``."""
    if period not in PERIODS:
        raise ValidationFailed(f"The digest period is daily or weekly, not {period!r}.")
    day = local(now, policy).date()
    if period == "daily":
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _item(report: Report, now: dt.datetime, note: str) -> DigestItem:
    return DigestItem(
        key=report.key,
        title=report.title,
        state=report.get_state_display(),
        coordinator=report.coordinator.display_name if report.coordinator else "",
        age_days=(now - report.created_at).days,
        note=note,
    )


def team_digest(
    team: Team, *, period: str = "daily", now: dt.datetime | None = None, stale_days: int = 0
) -> TeamDigest:
    """The digest of ``team`` at ``now`` (a selector: it sends nothing)."""
    from vulndesk.triage.services import policy_for

    now = now or clock.now()
    stale_days = stale_days or DEFAULT_STALE_DAYS
    if stale_days < 1:
        raise ValidationFailed("Stale means idle for at least one day.")
    policy = policy_for(team)
    digest = TeamDigest(team=team, period=period, period_label=period_label(period, now, policy))
    reports = (
        Report.objects.filter(team=team, state__in=OPEN_STATES)
        .select_related("coordinator", "team")
        .annotate(last_event=Max("timeline__at"))
        .order_by("created_at", "id")
    )
    finish_target = dt.timedelta(days=policy.publish_days)
    for report in reports:
        deadline = current_deadline(report, policy)
        note = ""
        overdue = False
        if deadline is not None:
            due = local(deadline.due_at, policy)
            note = f"{deadline.label} by {due:%Y-%m-%d %H:%M %Z} ({deadline.countdown(now)})"
            overdue = deadline.remaining(now) < dt.timedelta(0)
        if report.state == State.NEW or (
            report.state == State.TRIAGE and report.coordinator_id is None
        ):
            digest.awaiting_triage.append(_item(report, now, note))
        if overdue:
            past_target = now - report.created_at > finish_target
            text = note + (
                f"; past the {policy.publish_days}-day target to a finished state"
                if past_target
                else ""
            )
            digest.overdue.append(_item(report, now, text))
        last = report.last_event or report.created_at
        idle = (now - last).days
        if idle >= stale_days:
            digest.stale.append(_item(report, now, f"no change for {idle} days"))
        if report.coordinator_id is not None:
            digest.mine.setdefault(report.coordinator_id, []).append(_item(report, now, note))
    return digest


def _members(team: Team) -> list[User]:
    memberships = (
        Membership.objects.filter(team=team, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__username")
    )
    return [m.user for m in memberships]


def digest_message(digest: TeamDigest, user: User) -> dict[str, str] | None:
    """The subject and body of ``user``'s digest, or None when there is nothing to say."""
    mine = digest.mine.get(user.pk, [])
    if not (digest.awaiting_triage or digest.overdue or digest.stale or mine):
        return None
    context: dict[str, Any] = {
        "digest": digest,
        "user": user,
        "mine": mine,
        "base_url": settings.BASE_URL,
    }
    message = render_message("digest", context)
    return {"subject": message.subject, "body": message.body}


def dedupe_key(digest: TeamDigest, user: User) -> str:
    return f"triage-digest:{digest.team.slug}:{digest.period}:{digest.period_label}:{user.pk}"


def digest_send(
    team: Team,
    *,
    period: str = "daily",
    now: dt.datetime | None = None,
    stale_days: int = 0,
    preview: bool = False,
) -> dict[str, Any]:
    """Queue each member's digest in the mail outbox (once per member and period).

    With ``preview`` nothing is queued; the messages are returned instead.
    """
    from vulndesk.mail.models import OutboxMessage
    from vulndesk.mail.services import outbox_queue

    digest = team_digest(team, period=period, now=now, stale_days=stale_days)
    summary: dict[str, Any] = {
        "team": team.slug,
        "period": f"{period} {digest.period_label}",
        "awaiting_triage": len(digest.awaiting_triage),
        "overdue": len(digest.overdue),
        "stale": len(digest.stale),
        "queued": [],
        "already_sent": [],
        "nothing_to_say": [],
    }
    if preview:
        summary["messages"] = []
    for user in _members(team):
        message = digest_message(digest, user)
        if message is None:
            summary["nothing_to_say"].append(user.username)
            continue
        if preview:
            summary["messages"].append({"to": user.email, **message})
            continue
        key = dedupe_key(digest, user)
        if OutboxMessage.objects.filter(dedupe_key=key).exists():
            summary["already_sent"].append(user.username)
            continue
        try:
            with transaction.atomic():
                outbox_queue(
                    team=team,
                    to=[user.email],
                    subject=message["subject"],
                    body=message["body"],
                    template="digest",
                    dedupe_key=key,
                )
        except IntegrityError:  # another run queued it a moment ago (unique dedupe key)
            summary["already_sent"].append(user.username)
            continue
        summary["queued"].append(user.username)
    return summary


def digests_send(
    *,
    period: str = "daily",
    team: Team | None = None,
    now: dt.datetime | None = None,
    stale_days: int = 0,
    preview: bool = False,
) -> list[dict[str, Any]]:
    """Every team's digests (or ``team``'s): what cron runs."""
    teams = [team] if team is not None else list(Team.objects.order_by("slug"))
    return [
        digest_send(t, period=period, now=now, stale_days=stale_days, preview=preview)
        for t in teams
    ]
