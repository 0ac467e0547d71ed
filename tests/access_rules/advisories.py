"""Access rules of the CVSS calculator (vulndesk.advisories): the bare calculator is a tool
for anyone signed in; on a report (cvss/<key>/) it saves the report's severity, so only
the report's team gets in (collaborators included not: severity is the team's call)."""

from tests.access_rules import SIGNED_IN, TEAM, Rule

RULES = [
    Rule("advisories-cvss", expect=SIGNED_IN),
    Rule("advisories-report-cvss", kwargs=lambda w: {"key": w.report.key}, expect=TEAM),
    Rule(
        "advisories-report-cvss",
        kwargs=lambda w: {"key": w.report.key},
        method="POST",
        data=lambda w: {"vector": "not-a-vector"},
        case="save",
        expect=TEAM,
    ),
]
