"""Access rules of mail downloads (vulndesk.mail): the team's public OpenPGP key is for
anyone; an attachment is for whoever may see its report (reporter, team, invited
collaborator). Anonymous visitors get 404 there, not the login page: the link is only
ever shown on a report page, and a 404 says nothing about whether the report exists."""

from tests.access_rules import ALLOW, NOT_FOUND, PUBLIC, REPORT_PARTIES, Rule, expecting

RULES = [
    Rule("mail-team-key", kwargs=lambda w: {"slug": w.team.slug}, expect=PUBLIC),
    Rule(
        "mail-team-key",
        kwargs=lambda w: {"slug": w.other_team.slug},
        case="team without a key",
        expect=expecting(NOT_FOUND),
    ),
    Rule(
        "mail-attachment",
        kwargs=lambda w: {"key": w.report.key, "sha256": w.attachment.sha256},
        expect=REPORT_PARTIES | {"anonymous": NOT_FOUND, "reporter": ALLOW},
    ),
]
