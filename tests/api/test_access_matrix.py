"""Every API endpoint x every persona (and every token scope): the exact status each gets.

The table is checked against the served OpenAPI description, so a new endpoint without
a row here fails. Rules: anonymous gets 401 (public endpoints aside); a report or team
you may not see is 404, never 403; one you may see but not act on is 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import Api, make_token, published_with_records
from tests.conftest import Personas, build_report
from vulndesk.accounts.services import user_create
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State
from vulndesk.webhooks.models import Delivery
from vulndesk.webhooks.services import webhook_create

ROLES = [
    "anonymous",
    "admin",
    "member",  # bob, the coordinator of the reports built here
    "member2",  # carol, a member who does not coordinate
    "collaborator",  # erin, invited to the report
    "uninvited",  # uma, a collaborator on another report only
    "reporter",  # rita, whose report it is
    "other_reporter",
    "other_admin",
]
INVISIBLE = {"uninvited", "other_reporter", "other_admin"}
SEES_REPORT = {"admin", "member", "member2", "collaborator", "reporter"}
TEAM = {"admin", "member", "member2"}
DECIDERS = {"admin", "member"}  # the coordinator or an admin
LABELS = ["security", "release-blocker"]

Setup = Callable[[Personas], dict[str, str]]


def _report(state: str, **kwargs: Any) -> Setup:
    def setup(p: Personas) -> dict[str, str]:
        report = build_report(p, state, **kwargs)
        if report.coordinator_id is None and report.is_open and state != State.NEW:
            rs.report_assign(report, actor=p.admin, coordinator=p.member)
        if report.is_open:
            rs.collaborator_invite(report, actor=p.admin, user=p.collaborator)
        return {"key": report.key}

    return setup


def _rejected(p: Personas) -> dict[str, str]:
    ctx = _report(State.TRIAGE)(p)  # the collaborator is invited while it is open
    report = Report.objects.get(key=ctx["key"])
    rs.report_reject(report, actor=p.member, reason="Not a bug.")
    return ctx


def _with_pr(p: Personas) -> dict[str, str]:
    ctx = _report(State.FIXING)(p)
    report = Report.objects.get(key=ctx["key"])
    rs.report_add_pr(report, actor=p.member, url="https://example.test/pr/1", labels=LABELS)
    return ctx


def _publishable(p: Personas) -> dict[str, str]:
    ctx = _report(State.FIXED)(p)
    report = Report.objects.get(key=ctx["key"])
    rs.report_tell_reporter(report, actor=p.member)
    rs.report_set_credit(report, actor=p.reporter, wanted=True, name="Rita")
    rs.report_set_advisory(
        report,
        actor=p.member,
        title="Bug in zipfile",
        description="Escapes.",
        affected_versions="3.12 and earlier",
        affected_components="zipfile.Path",
    )
    return ctx


def _published(p: Personas) -> dict[str, str]:
    return {"key": build_report(p, State.PUBLISHED).key}


def _hook(p: Personas) -> dict[str, str]:
    hook, _ = webhook_create(
        p.team, actor=p.admin, url="http://127.0.0.1:9/x", events=["report.created"]
    )
    ctx = _report(State.NEW)(p)
    delivery = hook.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED)
    return ctx | {"hook_id": str(hook.public_id), "delivery_id": str(delivery.public_id)}


def _pool(p: Personas) -> dict[str, str]:
    from vulndesk.cna.services import cna_policy_set, cve_pool_load

    cna_policy_set(p.team, actor=p.admin, auto_assign=False)  # the API call assigns it
    ctx = _report(State.ACCEPTED)(p)
    _cve_counter["n"] += 1
    cve_pool_load(p.team, actor=p.admin, cve_ids=[f"CVE-2026-{_cve_counter['n']}"])
    return ctx


def _recordable(p: Personas) -> dict[str, str]:
    return {"key": published_with_records(p).key}


def _recordable_unpublished(p: Personas) -> dict[str, str]:
    return {"key": published_with_records(p, publish=False).key}


def _none(p: Personas) -> dict[str, str]:
    return {}


_cve_counter = {"n": 40000}


def _cve() -> dict[str, Any]:
    _cve_counter["n"] += 1
    return {"cve_id": f"CVE-2026-{_cve_counter['n']}"}


@dataclass
class Row:
    method: str
    path: str
    scope: str  # read, act, admin
    setup: Setup
    allowed: set[str]  # these succeed (on a fresh setup each)
    ok: int = 200
    body: Callable[[], Any] = dict
    # Roles that see the thing but are refused (403); everyone else not allowed gets 404.
    visible: set[str] = field(default_factory=lambda: set(SEES_REPORT))
    anonymous: int = 401
    label: str = ""


AUTHED = set(ROLES) - {"anonymous"}
PUBLIC = set(ROLES)

MATRIX = [
    Row(
        "GET", "/records/{kind}/{key}", "public", _recordable, PUBLIC, visible=PUBLIC, anonymous=200
    ),
    Row(
        "GET",
        "/records/{kind}/{key}",
        "public",
        _recordable_unpublished,
        TEAM,
        visible=TEAM,
        anonymous=404,
        label="unpublished",
    ),
    Row("GET", "/teams/{slug}/cve-ids", "read", _pool, TEAM, visible=TEAM),
    Row("POST", "/reports/{key}/cve/assign", "act", _pool, DECIDERS),
    Row("GET", "/reports", "read", _report(State.TRIAGE), AUTHED, visible=AUTHED),
    Row(
        "POST",
        "/reports",
        "act",
        _none,
        AUTHED,
        ok=201,
        visible=AUTHED,
        body=lambda: {"team": "psrt", "title": "New"},
    ),
    Row("GET", "/reports/{key}", "read", _report(State.FIXING), SEES_REPORT),
    Row("GET", "/reports/{key}/comments", "read", _report(State.FIXING), SEES_REPORT),
    Row("GET", "/reports/{key}/timeline", "read", _report(State.FIXING), SEES_REPORT),
    Row(
        "GET",
        "/reports/{key}/collaborators",
        "read",
        _report(State.FIXING),
        TEAM | {"collaborator"},
    ),
    Row(
        "POST",
        "/reports/{key}/collaborators",
        "act",
        _report(State.FIXING),
        DECIDERS,
        ok=201,
        body=lambda: {"user": "oscar"},
    ),
    Row("DELETE", "/reports/{key}/collaborators/{user}", "act", _report(State.FIXING), DECIDERS),
    Row(
        "POST",
        "/reports/{key}/triage",
        "act",
        _report(State.NEW),
        {"admin"},
        body=lambda: {"outcome": "plausible"},
    ),
    Row(
        "POST",
        "/reports/{key}/assign",
        "act",
        _report(State.TRIAGE),
        DECIDERS,
        body=lambda: {"coordinator": "carol", "reason": "Holiday."},
    ),
    Row("POST", "/reports/{key}/accept", "act", _report(State.TRIAGE), DECIDERS),
    Row(
        "POST",
        "/reports/{key}/reject",
        "act",
        _report(State.TRIAGE),
        DECIDERS,
        body=lambda: {"reason": "Not a bug."},
    ),
    Row(
        "POST",
        "/reports/{key}/reopen",
        "act",
        _rejected,
        DECIDERS,
        body=lambda: {"reason": "New PoC."},
    ),
    Row(
        "POST",
        "/reports/{key}/withdraw",
        "act",
        _report(State.TRIAGE),
        DECIDERS,
        body=lambda: {"reason": "Duplicate."},
    ),
    Row("POST", "/reports/{key}/cve", "act", _report(State.ACCEPTED), DECIDERS, body=_cve),
    Row(
        "POST",
        "/reports/{key}/severity",
        "act",
        _report(State.ACCEPTED),
        DECIDERS,
        body=lambda: {"severity": "Medium"},
    ),
    Row(
        "POST",
        "/reports/{key}/fix-plan",
        "act",
        _report(State.ACCEPTED),
        DECIDERS,
        body=lambda: {"approach": "public"},
    ),
    Row(
        "POST",
        "/reports/{key}/approve-fix",
        "act",
        _report(State.FIXING, severity="High"),
        DECIDERS,
    ),
    Row(
        "POST",
        "/reports/{key}/advisory",
        "act",
        _report(State.ACCEPTED),
        TEAM,
        body=lambda: {"title": "Bug in zipfile"},
    ),
    Row("POST", "/reports/{key}/tell-reporter", "act", _report(State.FIXING), DECIDERS),
    Row(
        "POST",
        "/reports/{key}/credit",
        "act",
        _report(State.FIXING),
        TEAM | {"reporter"},
        body=lambda: {"wanted": True, "name": "Rita"},
    ),
    Row(
        "POST",
        "/reports/{key}/prs",
        "act",
        _report(State.FIXING),
        TEAM,
        body=lambda: {"url": "https://example.test/pr/9", "labels": LABELS},
    ),
    Row(
        "POST",
        "/reports/{key}/prs/merge",
        "act",
        _with_pr,
        TEAM,
        body=lambda: {"url": "https://example.test/pr/1"},
    ),
    Row("POST", "/reports/{key}/publish", "act", _publishable, DECIDERS),
    Row(
        "POST",
        "/reports/{key}/comments",
        "act",
        _report(State.FIXING),
        TEAM | {"collaborator"},
        ok=201,
        body=lambda: {"body": "Hm.", "visibility": "internal"},
        label="internal",
    ),
    Row(
        "POST",
        "/reports/{key}/comments",
        "act",
        _report(State.FIXING),
        TEAM | {"reporter"},
        ok=201,
        body=lambda: {"body": "Hi.", "visibility": "shared"},
        label="shared",
    ),
    Row("GET", "/me", "read", _none, AUTHED, visible=AUTHED),
    Row("GET", "/teams", "read", _none, AUTHED, visible=AUTHED),
    Row("GET", "/teams/{slug}", "read", _none, TEAM, visible=TEAM),
    Row("GET", "/teams/{slug}/members", "read", _none, TEAM, visible=TEAM),
    Row("GET", "/teams/{slug}/projects", "read", _none, TEAM, visible=TEAM),
    Row(
        "POST",
        "/teams/{slug}/members",
        "admin",
        _none,
        {"admin"},
        ok=201,
        visible=TEAM,
        body=lambda: {"user": "oscar"},
    ),
    Row(
        "POST",
        "/teams/{slug}/projects",
        "admin",
        _none,
        {"admin"},
        ok=201,
        visible=TEAM,
        body=lambda: {"slug": "pip", "name": "pip"},
    ),
    Row("GET", "/teams/{slug}/webhooks", "admin", _none, {"admin"}, visible=TEAM),
    Row(
        "POST",
        "/teams/{slug}/webhooks",
        "admin",
        _none,
        {"admin"},
        ok=201,
        visible=TEAM,
        body=lambda: {"url": "https://example.test/hook", "events": ["report.created"]},
    ),
    Row("GET", "/teams/{slug}/webhooks/{hook_id}", "admin", _hook, {"admin"}, visible=TEAM),
    Row(
        "DELETE",
        "/teams/{slug}/webhooks/{hook_id}",
        "admin",
        _hook,
        {"admin"},
        ok=204,
        visible=TEAM,
    ),
    Row(
        "GET",
        "/teams/{slug}/webhooks/{hook_id}/deliveries",
        "admin",
        _hook,
        {"admin"},
        visible=TEAM,
    ),
    Row(
        "POST",
        "/teams/{slug}/webhooks/{hook_id}/deliveries/{delivery_id}/retry",
        "admin",
        _hook,
        {"admin"},
        visible=TEAM,
    ),
    Row("GET", "/advisories", "public", _published, PUBLIC, visible=PUBLIC, anonymous=200),
    Row("GET", "/advisories/{key}", "public", _published, PUBLIC, visible=PUBLIC, anonymous=200),
    Row(
        "GET",
        "/advisories/{key}",
        "public",
        _report(State.FIXED),
        set(),
        visible=set(),
        anonymous=404,
        label="unpublished",
    ),
]


def _id(row: Row) -> str:
    return f"{row.method} {row.path}" + (f" ({row.label})" if row.label else "")


def expected(row: Row, role: str) -> int:
    if role == "anonymous":
        return row.anonymous
    if role in row.allowed:
        return row.ok
    if role in row.visible:
        return 403
    return 404


def _tokens(p: Personas) -> dict[str, str | None]:
    uma = user_create(username="uma", email="uma@example.test", name="Uma")
    elsewhere = build_report(p, State.TRIAGE, title="Another report")
    rs.collaborator_invite(elsewhere, actor=p.admin, user=uma)
    users = {
        "admin": p.admin,
        "member": p.member,
        "member2": p.member2,
        "collaborator": p.collaborator,
        "uninvited": uma,
        "reporter": p.reporter,
        "other_reporter": p.other_reporter,
        "other_admin": p.other_admin,
    }
    return {"anonymous": None} | {role: make_token(u, "admin") for role, u in users.items()}


def _call(row: Row, token: str | None, ctx: dict[str, str]) -> Any:
    path = row.path.format(slug="psrt", user="erin", kind="cve", **ctx)
    return Api(token).call(row.method, path, row.body() if row.method != "GET" else None)


def test_every_api_operation_has_a_row():
    schema = Client().get("/api/v1/openapi.json").json()
    served = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, ops in schema["paths"].items()
        for method in ops
    }
    listed = {(row.method, row.path) for row in MATRIX}
    assert served == listed


@pytest.mark.parametrize("row", MATRIX, ids=_id)
def test_api_access(personas, settings, row: Row):
    settings.VULNDESK_API_RATE_TOKEN = 10**6
    settings.VULNDESK_API_RATE_ANONYMOUS = 10**6
    tokens = _tokens(personas)
    refused = [r for r in ROLES if r not in row.allowed]
    shared = row.setup(personas)
    got: dict[str, int] = {}
    for role in refused:
        reply = _call(row, tokens[role], shared)
        got[role] = reply.status
        if reply.status >= 400:
            assert set(reply.body) >= {"status", "code", "title", "detail"}
    for role in sorted(row.allowed):
        reply = _call(row, tokens[role], row.setup(personas))
        got[role] = reply.status
    want = {role: expected(row, role) for role in ROLES}
    assert got == want


@pytest.mark.parametrize("row", [r for r in MATRIX if r.scope != "public"], ids=_id)
def test_api_token_scopes(personas, settings, row: Row):
    """A token below the endpoint's scope is refused before anything is looked up."""
    settings.VULNDESK_API_RATE_TOKEN = 10**6
    ctx = {"key": "PSRT-2026-9999", "hook_id": "x", "delivery_id": "y"}
    ranks = ["read", "act", "admin"]
    for scope in ranks:
        reply = _call(row, make_token(personas.admin, scope), ctx)
        if ranks.index(scope) < ranks.index(row.scope):
            assert reply.status == 403, (scope, reply.body)
            assert reply.body["code"] == "insufficient_scope"
        else:
            assert (
                not isinstance(reply.body, dict) or reply.body.get("code") != "insufficient_scope"
            )
