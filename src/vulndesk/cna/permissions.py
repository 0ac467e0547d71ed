"""Who may see and do what with CVE IDs. The one place these rules live for the cna app.

- The pool (every ID the team holds, and which report holds it) is the team's business:
  members see it and reserve/assign/release; only admins load IDs, change the CNA policy
  and reject IDs.
- A report's CVE ID before publication is part of the private report: visible to whoever
  may see the report — the team, invited collaborators, and the reporter (the PSRT process
  tells the reporter the ID in the acceptance reply). Nobody else, and never the public,
  until the advisory is published (``cve_public_id``).
"""

from __future__ import annotations

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import require_team_admin, require_team_member
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
    """The report's CVE ID: for those who may see the report (or anyone once published)."""
    if not report.cve_id:
        return False
    if report.state == State.PUBLISHED:
        return True
    return report_perms.can_view_report(user, report)


def cve_public_id(report: Report) -> str:
    """The CVE ID the public may see: only once the advisory is published (it names the ID)."""
    if report.state == State.PUBLISHED:
        return report.cve_id
    return ""
