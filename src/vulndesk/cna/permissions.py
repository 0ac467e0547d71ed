"""Who may see and do what with CVE IDs. The one place these rules live for the cna app.

- The pool (every ID the team holds, and which report holds it) is the team's business:
  members see it and reserve/assign/release; only admins load IDs, change the CNA policy
  and reject IDs.
- A report's CVE ID before publication: the team and the report's invited collaborators
  see it from the moment it is assigned. The reporter sees it once the team has told
  them (the PSRT acceptance reply carries it, ``reporter_told_at``): until then the ID
  may still be released and given to another report, so it must not have left the team.
  Nobody else sees it, and the public only once the advisory is published (it names the
  ID; ``cve_public_id``).
"""

from __future__ import annotations

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import (
    is_team_member,
    require_team_admin,
    require_team_member,
)
from vulndesk.reports import permissions as report_perms
from vulndesk.reports.models import Report, State


def require_pool_view(user: User | None, team: Team) -> None:
    require_team_member(user, team)


def require_pool_manage(user: User | None, team: Team) -> None:
    """Reserving IDs (spends the CNA's quota): any member."""
    require_team_member(user, team)


def require_cna_admin(user: User | None, team: Team) -> None:
    """Loading IDs, the CNA policy, rejecting IDs: team admins."""
    require_team_admin(user, team)


def can_see_cve_id(user: User | None, report: Report) -> bool:
    """May ``user`` see the CVE ID of ``report`` (see the module's rules)?"""
    if not report.cve_id:
        return False
    if report.state == State.PUBLISHED:
        return True
    if is_team_member(user, report.team) or report_perms.is_collaborator(user, report):
        return True
    return report_perms.is_reporter(user, report) and report.reporter_told_at is not None


def visible_cve_id(report: Report, user: User | None) -> str | None:
    return report.cve_id if can_see_cve_id(user, report) else None


def cve_public_id(report: Report) -> str:
    """The CVE ID the public may see: only once the advisory is published (it names the ID)."""
    if report.state == State.PUBLISHED:
        return report.cve_id
    return ""
