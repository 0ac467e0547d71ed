"""Who may see and change advisory details and records."""

from __future__ import annotations

from vulndesk.accounts.models import User
from vulndesk.accounts.permissions import is_team_member
from vulndesk.core.errors import NotFound
from vulndesk.reports import permissions as report_perms
from vulndesk.reports.models import Report, State


def require_edit(user: User | None, report: Report) -> None:
    """Team members write advisories (others get the report's own refusal)."""
    report_perms.require_team_member(user, report)


def can_export(user: User | None, report: Report) -> bool:
    """A published report's records are public; before that, only the team sees them."""
    if report.state == State.PUBLISHED:
        return True
    return is_team_member(user, report.team)


def require_export(user: User | None, report: Report) -> None:
    if not can_export(user, report):
        raise NotFound(f"There is no published report {report.key}.")
