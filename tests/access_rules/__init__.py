"""Access rules: who gets what on every URL of the project.

tests/test_access_matrix.py walks Django's whole URL resolver; every named URL pattern
must have a rule here (a new pattern without one fails the suite, and so does a rule
for a pattern that no longer exists). Each rule is then requested by every persona
and the response must be the expected outcome.

One module per area, tests/access_rules/<area>.py, each with a ``RULES`` list::

    from tests.access_rules import ALLOW, LOGIN, NOT_FOUND, Rule

    RULES = [
        Rule("desk:report", kwargs=lambda w: {"key": w.report.key},
             expect={"anonymous": LOGIN, "reporter": NOT_FOUND, ...every persona...}),
        Rule("desk:report-triage", kwargs=lambda w: {"key": w.report.key}, method="POST",
             data=lambda w: {"outcome": "plausible"}, expect=...),
    ]

``kwargs(w)`` gives the URL's keyword arguments from the world ``w`` (see world.py for
its objects: ``w.report`` is owned by ``reporter`` with ``collaborator`` invited);
``data(w)`` the POST body (form-encoded). ``expect`` names every persona (PERSONAS);
shorthands below (PUBLIC, SIGNED_IN, ...) cover the usual cases, and ``expecting()``
builds the rest. Each request runs in its own savepoint, so a POST cannot change what
the next case sees.

API operations (ninja, under /api/v1/) are not ruled here: tests/api/test_access_matrix.py
has a row per operation and per persona (with tokens, 401/403/404); this matrix checks
that every API operation the resolver serves has such a row. Non-operation API URLs
(the OpenAPI document, the docs page) are ruled here.

Outcomes:
- ALLOW: the persona gets in: 2xx, or a redirect somewhere other than the login page;
  for POST (and other unsafe methods) also 400, 403 or 409, a form or service refusal
  shown on the page (the persona sees the object; the action itself is refused).
- NOT_FOUND: 404, and the body shows nothing of the world's private report (title, key).
- LOGIN: 302 to settings.LOGIN_URL (the allauth login page), nothing private in the body.
- FORBIDDEN_METHOD: 405 (e.g. a GET on a POST-only action URL).
- REDIRECT: a 3xx somewhere other than the login page (only when a 2xx would be wrong).
Whatever the outcome, a persona who may not see w.report (anonymous, other_reporter,
uninvited_collaborator, other_admin) must never get a page showing its title, key or body.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALLOW = "allow"
NOT_FOUND = "not found"
LOGIN = "login"
FORBIDDEN_METHOD = "method not allowed"
REDIRECT = "redirect"
OUTCOMES = (ALLOW, NOT_FOUND, LOGIN, FORBIDDEN_METHOD, REDIRECT)

PERSONAS = (
    "anonymous",
    "reporter",  # rita: owns w.report
    "other_reporter",  # oscar: a reporter with reports of his own, not this one
    "collaborator",  # erin: invited to w.report
    "uninvited_collaborator",  # uma: invited to w.other_report (same team), not w.report
    "member",  # bob: member of the team (PSRT), coordinator of w.report
    "admin",  # alice: admin of the team
    "other_admin",  # zed: admin of another team
)


def expecting(default: str, **overrides: str) -> dict[str, str]:
    """Every persona gets ``default`` except those named: ``expecting(NOT_FOUND, admin=ALLOW)``."""
    unknown = set(overrides) - set(PERSONAS)
    if unknown:
        raise ValueError(f"unknown persona(s) {sorted(unknown)}; personas are {PERSONAS}")
    return {persona: overrides.get(persona, default) for persona in PERSONAS}


# Anyone, signed in or not.
PUBLIC = expecting(ALLOW)
# Anyone signed in; anonymous visitors are sent to the login page.
SIGNED_IN = expecting(ALLOW, anonymous=LOGIN)
# The team of w.report (admin and members) only.
TEAM = expecting(NOT_FOUND, anonymous=LOGIN, member=ALLOW, admin=ALLOW)
# The team's admins only.
TEAM_ADMIN = expecting(NOT_FOUND, anonymous=LOGIN, admin=ALLOW)
# Who works on w.report: the team and its invited collaborator (the desk).
REPORT_INSIDERS = expecting(
    NOT_FOUND, anonymous=LOGIN, collaborator=ALLOW, member=ALLOW, admin=ALLOW
)
# Everyone who may see w.report: the insiders and its reporter.
REPORT_PARTIES = REPORT_INSIDERS | {"reporter": ALLOW}
# w.report's reporter only (the portal).
REPORTER_ONLY = expecting(NOT_FOUND, anonymous=LOGIN, reporter=ALLOW)


@dataclass(frozen=True)
class Rule:
    """What every persona gets from one URL pattern (by its name, "namespace:name")."""

    name: str
    kwargs: Callable[[Any], Mapping[str, Any] | None] | None = None
    method: str = "GET"
    data: Callable[[Any], Mapping[str, Any] | None] | None = None
    expect: Mapping[str, str] = field(default_factory=dict)
    # More than one rule for a pattern (e.g. a published and an unpublished advisory):
    # give each a distinct case; a pattern needs at least one rule.
    case: str = ""

    def __post_init__(self) -> None:
        missing = set(PERSONAS) - set(self.expect)
        extra = set(self.expect) - set(PERSONAS)
        if missing or extra:
            raise ValueError(
                f"Rule {self.label}: expect must name every persona exactly; "
                f"missing {sorted(missing)}, unknown {sorted(extra)} (personas: {PERSONAS})"
            )
        bad = {p: o for p, o in self.expect.items() if o not in OUTCOMES}
        if bad:
            raise ValueError(f"Rule {self.label}: unknown outcome(s) {bad}; use {OUTCOMES}")
        if self.method != self.method.upper():
            raise ValueError(f"Rule {self.label}: method must be upper case")

    @property
    def label(self) -> str:
        case = f"[{self.case}]" if self.case else ""
        return f"{self.method} {self.name}{case}"


def all_rules() -> list[Rule]:
    """Every RULES list of every module in this package."""
    rules: list[Rule] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "world":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rules.extend(getattr(module, "RULES", []))
    return rules
