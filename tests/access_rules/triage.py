"""Access rules of the triage pages (vulndesk.triage): the team's triage inbox, a report's
triage page, the team's metrics. The team only (admin, members); everyone else 404 (a
collaborator works on the desk, not here), anonymous visitors the login page."""

from tests.access_rules import ALLOW, NOT_FOUND, TEAM, Rule

RULES = [
    Rule("triage:inbox", kwargs=lambda w: {"slug": w.team.slug}, expect=TEAM),
    Rule(
        "triage:report",
        kwargs=lambda w: {"slug": w.team.slug, "key": w.report.key},
        expect=TEAM,
    ),
    # Flagging a reporter is an admin's; a member sees the report and is refused (403).
    Rule(
        "triage:report",
        kwargs=lambda w: {"slug": w.team.slug, "key": w.report.key},
        method="POST",
        data=lambda w: {"action": "flag", "reason": ""},
        case="flag",
        expect=TEAM | {"member": ALLOW},
    ),
    # The report of another team under this team's slug is not found, even for its admin.
    Rule(
        "triage:report",
        kwargs=lambda w: {"slug": w.team.slug, "key": w.other_team_report.key},
        case="other team's report",
        expect=TEAM | {"member": NOT_FOUND, "admin": NOT_FOUND},
    ),
    Rule("triage:metrics", kwargs=lambda w: {"slug": w.team.slug}, expect=TEAM),
    Rule("triage:metrics-csv", kwargs=lambda w: {"slug": w.team.slug}, expect=TEAM),
]
