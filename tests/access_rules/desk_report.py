"""Access rules of the desk's report page and its action URLs (vulndesk.desk.urls_report).

The page and every action: the report's team (admin, member) and its invited
collaborator get in (an action they may not take is refused on the page, 400/409,
by the service); everyone else gets 404, anonymous users the login page. A reporter
follows their report in the portal, not here.
"""

from tests.access_rules import ALLOW, LOGIN, NOT_FOUND, Rule
from vulndesk.desk.views_report import ACTIONS

INSIDERS = {
    "anonymous": LOGIN,
    "reporter": NOT_FOUND,
    "other_reporter": NOT_FOUND,
    "collaborator": ALLOW,
    "uninvited_collaborator": NOT_FOUND,
    "member": ALLOW,
    "admin": ALLOW,
    "other_admin": NOT_FOUND,
}

RULES = [
    Rule("desk:report", kwargs=lambda w: {"key": w.report.key}, expect=INSIDERS),
    *[
        Rule(
            f"desk:report-{name}",
            kwargs=lambda w: {"key": w.report.key},
            method="POST",
            expect=INSIDERS,
        )
        for name in ACTIONS
    ],
]

# The invitation link works for whoever holds a genuine token (it shows only the team,
# the report's key and the invited address; accepting needs the invited account). A
# made-up token is not found for everyone, anonymous included.
RULES.append(
    Rule(
        "desk:invitation",
        kwargs=lambda w: {"token": "not-a-token"},
        expect=dict.fromkeys(INSIDERS, NOT_FOUND),
    )
)
