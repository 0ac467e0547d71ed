"""Reads for triage: the ranked inbox, the advice on one report, duplicates, deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import require_team_member
from vulndesk.core import clock
from vulndesk.reports import permissions as perms
from vulndesk.reports.models import OPEN_STATES, Report, State
from vulndesk.triage.assessment import Assessment, assess
from vulndesk.triage.deadlines import deadline_info
from vulndesk.triage.duplicates import Match, team_index
from vulndesk.triage.models import DuplicateLink
from vulndesk.triage.services import flagged_reporter_ids, policy_for


@dataclass
class InboxRow:
    report: Report
    assessment: Assessment
    flagged: bool
    duplicates: list[Match]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.report.key,
            "title": self.report.title,
            "reporter": self.report.reporter.email,
            "flagged": self.flagged,
            **self.assessment.as_dict(),
            "duplicates": [m.as_dict() for m in self.duplicates],
        }


def triage_inbox(
    team: Team, *, user: User | None, states: tuple[str, ...] = (State.NEW,)
) -> list[InboxRow]:
    """The team's untriaged reports, likely junk and wrong-project first (advice only)."""
    require_team_member(user, team)
    reports = list(
        Report.objects.filter(team=team, state__in=states).select_related(
            "team", "reporter", "project"
        )
    )
    index = team_index(team.pk)
    flagged = flagged_reporter_ids(team)
    rows = []
    for report in reports:
        assessment = assess(report, index=index)
        rows.append(
            InboxRow(
                report=report,
                assessment=assessment,
                flagged=report.reporter_id in flagged,
                duplicates=index.search(report.title, report.body, limit=3, exclude=report.key),
            )
        )
    rows.sort(key=lambda r: (-r.assessment.score, r.report.created_at))
    return rows


def report_triage_view(report: Report, *, user: User | None) -> dict[str, Any]:
    """Everything the triage page shows for one report; team members only."""
    perms.require_team_member(user, report)
    now = clock.now()
    assessment = assess(report)
    index = team_index(report.team_id)
    link = DuplicateLink.objects.filter(report=report).select_related("original").first()
    return {
        "report": report,
        "assessment": assessment,
        "duplicates": index.search(report.title, report.body, limit=5, exclude=report.key),
        "flagged": report.reporter_id in flagged_reporter_ids(report.team),
        "deadline": deadline_info(report, policy_for(report.team), now),
        "duplicate_of": link.original if link else None,
        "merged": list(DuplicateLink.objects.filter(original=report).select_related("report")),
    }


def open_deadlines(
    team: Team, *, user: User | None, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Every open report of the team with its current deadline, most urgent first."""
    require_team_member(user, team)
    now = now or clock.now()
    policy = policy_for(team)
    rows = []
    for report in Report.objects.filter(team=team, state__in=OPEN_STATES).select_related(
        "coordinator"
    ):
        info = deadline_info(report, policy, now)
        if info is not None:
            rows.append(
                {
                    "key": report.key,
                    "title": report.title,
                    "state": report.state,
                    "coordinator": report.coordinator.username if report.coordinator else None,
                    **info,
                }
            )
    rows.sort(key=lambda r: str(r["due"]))
    return rows
