"""Reads of the portal: a reporter's own reports, their state in plain words, and the
conversation shared with them (never an internal comment or internal note)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from vulndesk.accounts.models import Team, User
from vulndesk.cna.permissions import visible_cve_id
from vulndesk.core.errors import NotFound
from vulndesk.reports import permissions as perms
from vulndesk.reports.models import Comment, Report, State
from vulndesk.reports.selectors import report_get


def reporting_teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def team_for_form(slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise NotFound(f"There is no team {slug!r}.")
    return team


def my_reports(user: User) -> QuerySet[Report]:
    """The reports ``user`` filed (as the reporter), newest first; not their team's."""
    if not user.is_authenticated:
        return Report.objects.none()
    return (
        Report.objects.filter(reporter__user=user)
        .select_related("team", "project")
        .order_by("-created_at", "-id")
    )


def portal_report_get(key: str, *, user: User | None) -> Report:
    """``user``'s own report with ``key``; for anyone else it does not exist (404).

    The team and collaborators follow a report on the desk, not here.
    """
    report = report_get(key, user=user)
    if not perms.is_reporter(user, report):
        raise NotFound(f"There is no report {key}.")
    return report


def state_words(report: Report, *, user: User | None) -> str:
    """Where the report stands, as the reporter reads it (no internal reasoning)."""
    state = report.state
    cve = visible_cve_id(report, user)
    if state in (State.NEW, State.TRIAGE):
        return "We are looking at your report"
    if state in (State.ACCEPTED, State.FIXING):
        return f"Accepted as {cve}: we are fixing it" if cve else "Accepted: we are fixing it"
    if state == State.FIXED:
        return "Fixed: we are preparing the advisory"
    if state == State.PUBLISHED:
        return f"Published as {cve}" if cve else "Published"
    if state == State.REJECTED:
        return "Not accepted: we found it is not a vulnerability"
    if state == State.SPAM:
        return "Not accepted: closed as spam"
    if state == State.MISDIRECTED:
        return f"Not accepted: it is not for a project of {report.team.name}"
    if state == State.WITHDRAWN:
        return "Closed: withdrawn"
    return str(report.get_state_display())


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str  # "comment" or "mail"
    author: str
    body: str
    subject: str = ""


def _author(comment: Comment, *, report: Report, user: User) -> str:
    if comment.author_id == user.pk or (
        comment.author_id is None and comment.author_email.lower() == user.email.lower()
    ):
        return "You"
    if comment.author is not None:
        return f"{comment.author.display_name} ({report.team.name})"
    return comment.author_email


def conversation(report: Report, *, user: User) -> list[Entry]:
    """Shared comments and the mail sent to the reporter, oldest first.

    Internal comments never come here. A mail that only repeats a shared comment
    (notifications, the acceptance or rejection reply) is shown once, as the comment.
    """
    from vulndesk.mail.models import OutboxMessage

    comments = list(
        report.comments.filter(visibility=Comment.Visibility.SHARED).select_related("author")
    )
    entries = [
        Entry(
            at=c.created_at,
            kind="comment",
            author=_author(c, report=report, user=user),
            body=c.body,
        )
        for c in comments
    ]
    said = {c.body.strip() for c in comments}
    address = report.reporter.email.lower()
    for message in OutboxMessage.objects.filter(report=report).order_by("created_at", "id"):
        if message.template == "comment" or message.body.strip() in said:
            continue
        if address not in {a.lower() for a in message.to}:
            continue
        entries.append(
            Entry(
                at=message.created_at,
                kind="mail",
                author=report.team.name,
                body=message.body,
                subject=message.subject,
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries


def credit_open(report: Report) -> bool:
    """The reporter may say how to be credited while the report is open (the team asks
    on acceptance; the answer is final once the advisory is published)."""
    return report.is_open
