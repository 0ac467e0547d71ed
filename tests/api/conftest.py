"""API test helpers: a token per persona and a JSON client that speaks Bearer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas
from vulndesk.accounts.models import User
from vulndesk.api.services import token_create

ROLES = [
    "admin",
    "member",
    "collaborator",
    "reporter",
    "other_reporter",
    "other_admin",
]


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


class Api:
    """Calls /api/v1 in-process, as ``token`` (or anonymous)."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def as_(self, token: str | None) -> Api:
        return Api(token)

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> Reply:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = f"/api/v1{path}"
        if method == "GET":
            response = self.client.get(url, query, headers=headers)
        else:
            response = self.client.generic(
                method,
                url,
                json.dumps(body if body is not None else {}),
                content_type="application/json",
                headers=headers,
            )
        content = response.content
        parsed = json.loads(content) if content else None
        return Reply(response.status_code, parsed, dict(response.headers))

    def get(self, path: str, **query: Any) -> Reply:
        return self.call("GET", path, **query)

    def post(self, path: str, body: Any = None) -> Reply:
        return self.call("POST", path, body)

    def delete(self, path: str) -> Reply:
        return self.call("DELETE", path)


def make_token(user: User, *scopes: str, team: Any = None) -> str:
    _, raw = token_create(user=user, name="test", scopes=list(scopes) or ["admin"], team=team)
    return raw


@pytest.fixture
def tokens(personas: Personas) -> dict[str, str]:
    """An all-scopes token for each persona, by role name."""
    return {role: make_token(getattr(personas, role), "admin") for role in ROLES}


@pytest.fixture
def api() -> Api:
    return Api()


def published_with_records(p: Personas, *, publish: bool = True) -> Any:
    """A published report whose CVE JSON, OSV and CSAF records can be built
    (affected versions per release branch, as the advisories app needs)."""
    from tests.conftest import build_report
    from vulndesk.advisories.services import advisory_set_affected, branch_set
    from vulndesk.reports import services as rs

    branch_set(p.project, actor=p.admin, name="3.12", first_version="3.12.0")
    report = build_report(p, "fixed")
    rs.report_tell_reporter(report, actor=p.member)
    rs.report_set_credit(report, actor=p.reporter, wanted=True, name="Rita")
    rs.report_set_advisory(
        report,
        actor=p.member,
        title="Path traversal in zipfile.Path",
        description="Crafted names escape the target directory.",
        affected_components="zipfile.Path",
    )
    advisory_set_affected(report, actor=p.member, fixed_in={"3.12": "3.12.6"})
    if publish:
        rs.report_publish(report, actor=p.member)
    report.refresh_from_db()
    return report
