"""Cross-checks: the same patterns with another report or team, so each persona's
"not found" above is not an accident of the world (the uninvited collaborator does see
the report they are invited to; another team's admin does see their own team's report,
and PSRT's staff do not), and a POST-only URL refuses GET.

These are extra cases (``case=...``) of patterns ruled in their areas' modules.
"""

from tests.access_rules import (
    ALLOW,
    FORBIDDEN_METHOD,
    LOGIN,
    NOT_FOUND,
    Rule,
    expecting,
)

OTHER_REPORT_INSIDERS = expecting(
    NOT_FOUND, anonymous=LOGIN, uninvited_collaborator=ALLOW, member=ALLOW, admin=ALLOW
)
OTHER_TEAM_ONLY = expecting(NOT_FOUND, anonymous=LOGIN, other_admin=ALLOW)

RULES = [
    Rule(
        "desk:report",
        kwargs=lambda w: {"key": w.other_report.key},
        case="other report",
        expect=OTHER_REPORT_INSIDERS,
    ),
    Rule(
        "desk:report",
        kwargs=lambda w: {"key": w.other_team_report.key},
        case="other team's report",
        expect=OTHER_TEAM_ONLY,
    ),
    Rule(
        "desk:report",
        kwargs=lambda w: {"key": "PSRT-2026-9999"},
        case="no such report",
        expect=expecting(NOT_FOUND, anonymous=LOGIN),
    ),
    Rule(
        "desk:report-accept",
        kwargs=lambda w: {"key": w.report.key},
        method="GET",
        case="GET",
        # 405 before the report is looked up: it says nothing of the report.
        expect=expecting(FORBIDDEN_METHOD, anonymous=LOGIN),
    ),
    Rule(
        "triage:report",
        kwargs=lambda w: {"slug": w.other_team.slug, "key": w.other_team_report.key},
        case="other team",
        expect=OTHER_TEAM_ONLY,
    ),
    Rule(
        "triage:inbox",
        kwargs=lambda w: {"slug": w.other_team.slug},
        case="other team",
        expect=OTHER_TEAM_ONLY,
    ),
    Rule(
        "advisories-report-cvss",
        kwargs=lambda w: {"key": w.other_team_report.key},
        case="other team's report",
        expect=OTHER_TEAM_ONLY,
    ),
    Rule(
        "mail-attachment",
        kwargs=lambda w: {"key": w.other_report.key, "sha256": w.attachment.sha256},
        case="another report's key",
        expect=expecting(NOT_FOUND),
    ),
    # Team pages: another team's admin runs their own team, PSRT's staff do not.
    Rule(
        "desk:team",
        kwargs=lambda w: {"slug": w.other_team.slug},
        case="other team",
        expect=OTHER_TEAM_ONLY,
    ),
    Rule(
        "desk:team-webhooks",
        kwargs=lambda w: {"slug": w.other_team.slug},
        case="other team",
        expect=OTHER_TEAM_ONLY,
    ),
    Rule(
        "desk:team-project",
        kwargs=lambda w: {"slug": w.other_team.slug, "project": w.project.slug},
        case="PSRT's project under another team",
        expect=expecting(NOT_FOUND, anonymous=LOGIN),
    ),
    # The portal: a report's page is its own reporter's, whoever that is.
    Rule(
        "portal:report",
        kwargs=lambda w: {"key": w.other_report.key},
        case="other reporter's report",
        expect=expecting(NOT_FOUND, anonymous=LOGIN, other_reporter=ALLOW),
    ),
    Rule(
        "portal:report",
        kwargs=lambda w: {"key": w.other_team_report.key},
        case="other team's report",
        expect=expecting(NOT_FOUND, anonymous=LOGIN, other_reporter=ALLOW),
    ),
    # The inbox: another team's desk by slug is not found; a search for w.report's title
    # finds it for its team and nothing for another team's admin (the body is checked).
    Rule(
        "desk:inbox",
        data=lambda w: {"team": w.team.slug},
        case="PSRT's desk by slug",
        expect=expecting(NOT_FOUND, anonymous=LOGIN, member=ALLOW, admin=ALLOW),
    ),
    Rule(
        "desk:inbox",
        data=lambda w: {"queue": "all", "q": "zz_secret_module"},
        case="search for the report",
        expect=expecting(NOT_FOUND, anonymous=LOGIN, member=ALLOW, admin=ALLOW, other_admin=ALLOW),
    ),
]
