"""Access rules of the desk inbox (vulndesk.desk.urls_inbox).

/desk/ is for team staff: the admin and member of w.report's team get its inbox, and
the admin of another team gets their own team's (which never shows w.report: the
matrix checks the body). Reporters and collaborators have no inbox: 404. Anonymous
users go to the login page. It is read-only: other methods are refused (405).
"""

from tests.access_rules import ALLOW, FORBIDDEN_METHOD, LOGIN, NOT_FOUND, Rule

RULES = [
    Rule(
        "desk:inbox",
        expect={
            "anonymous": LOGIN,
            "reporter": NOT_FOUND,
            "other_reporter": NOT_FOUND,
            "collaborator": NOT_FOUND,
            "uninvited_collaborator": NOT_FOUND,
            "member": ALLOW,
            "admin": ALLOW,
            "other_admin": ALLOW,
        },
    ),
    Rule(
        "desk:inbox",
        method="POST",
        case="read-only",
        expect={
            "anonymous": LOGIN,
            "reporter": FORBIDDEN_METHOD,
            "other_reporter": FORBIDDEN_METHOD,
            "collaborator": FORBIDDEN_METHOD,
            "uninvited_collaborator": FORBIDDEN_METHOD,
            "member": FORBIDDEN_METHOD,
            "admin": FORBIDDEN_METHOD,
            "other_admin": FORBIDDEN_METHOD,
        },
    ),
]
