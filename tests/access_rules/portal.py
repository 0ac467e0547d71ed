"""Access rules of the reporter portal (vulndesk.portal.urls).

The private form is open to everyone (anonymous submissions wait for the address to
be confirmed); a made-up confirmation link is not found for everyone. /portal/ is for
anyone logged in (it lists only their own reports); a report's portal page, its reply
and credit forms are for the report's reporter alone: everyone else, the team
included (they use the desk), gets 404; anonymous users the login page.
"""

from tests.access_rules import ALLOW, LOGIN, NOT_FOUND, Rule

PERSONAS = (
    "anonymous",
    "reporter",
    "other_reporter",
    "collaborator",
    "uninvited_collaborator",
    "member",
    "admin",
    "other_admin",
)
EVERYONE = dict.fromkeys(PERSONAS, ALLOW)
SIGNED_IN = {**EVERYONE, "anonymous": LOGIN}
REPORTER_ONLY = {**dict.fromkeys(PERSONAS, NOT_FOUND), "anonymous": LOGIN, "reporter": ALLOW}


def _key(w: object) -> dict[str, str]:
    return {"key": w.report.key}  # type: ignore[attr-defined]


def _team(w: object) -> dict[str, str]:
    return {"slug": w.team.slug}  # type: ignore[attr-defined]


RULES = [
    Rule("portal:new", expect=EVERYONE),
    Rule("portal:team", kwargs=_team, expect=EVERYONE, case="form"),
    # An empty form: refused on the page (400) for everyone, nothing filed.
    Rule(
        "portal:team",
        kwargs=_team,
        method="POST",
        data=lambda w: {},
        expect=EVERYONE,
        case="empty form",
    ),
    Rule("portal:sent", kwargs=_team, expect=EVERYONE),
    Rule(
        "portal:verify",
        kwargs=lambda w: {"token": "not-a-token"},
        expect=dict.fromkeys(PERSONAS, NOT_FOUND),
    ),
    Rule("portal:home", expect=SIGNED_IN),
    Rule("portal:report", kwargs=_key, expect=REPORTER_ONLY),
    Rule(
        "portal:reply",
        kwargs=_key,
        method="POST",
        data=lambda w: {"body": "One more detail."},
        expect=REPORTER_ONLY,
    ),
    Rule(
        "portal:credit",
        kwargs=_key,
        method="POST",
        data=lambda w: {"credit": "no", "credit_type": "finder"},
        expect=REPORTER_ONLY,
    ),
]
