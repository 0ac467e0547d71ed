"""Who reaches the team admin pages: the team (admins change, members read), nobody else.

The rule for a member's POST to an admin action of their own team: 403 with the
refusal on the page (they can see the page, so the team is no secret to them), and
nothing changes. Webhooks are the admins' alone: members get 404 there, like anyone
outside the team. Other teams' users get 404 everywhere; anonymous visitors the login page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.accounts.models import Membership

pytestmark = pytest.mark.django_db

PAGES = ["", "projects/", "policy/", "tokens/", "templates/", "templates/accept/"]
ADMIN_POSTS = [
    ("members/add/", {"email": "erin@example.test", "role": "member"}),
    ("members/role/", {"user": "carol", "role": "admin"}),
    ("members/remove/", {"user": "carol"}),
    ("projects/add/", {"slug": "pip", "name": "pip"}),
    ("projects/cpython/edit/", {"name": "CPython 2"}),
    ("policy/", {"key_prefix": "PSRT", "severity_levels": ["Low"]}),
    ("templates/accept/", {"subject": "s", "body": "b"}),
    ("templates/accept/reset/", {}),
]


def url(path: str) -> str:
    return f"/team/psrt/{path}"


@pytest.mark.parametrize("path", [*PAGES, "projects/cpython/edit/", "webhooks/"])
def test_anonymous_goes_to_login(client: Client, personas: Personas, path: str) -> None:
    response = client.get(url(path))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["other_admin", "reporter", "collaborator"])
def test_outsiders_get_404_everywhere(client: Client, personas: Personas, who: str) -> None:
    login(client, getattr(personas, who))
    for path in [*PAGES, "projects/cpython/edit/", "webhooks/"]:
        assert client.get(url(path)).status_code == 404, path
    for path, data in ADMIN_POSTS:
        assert client.post(url(path), data).status_code == 404, path
    assert client.get("/team/nosuchteam/").status_code == 404


@pytest.mark.parametrize("who", ["admin", "member"])
def test_team_sees_every_page(client: Client, personas: Personas, who: str) -> None:
    login(client, getattr(personas, who))
    for path in [*PAGES, "projects/cpython/edit/"]:
        assert client.get(url(path)).status_code == 200, path


def test_member_gets_403_on_every_admin_post_and_nothing_changes(
    client: Client, personas: Personas
) -> None:
    login(client, personas.member)
    before = sorted(Membership.objects.values_list("user__username", "role"))
    for path, data in ADMIN_POSTS:
        response = client.post(url(path), data)
        assert response.status_code == 403, path
        assert "Only an admin of PSRT" in response.content.decode(), path
    assert sorted(Membership.objects.values_list("user__username", "role")) == before
    personas.team.refresh_from_db()
    assert personas.team.severity_levels == ["Low", "Medium", "High", "Critical"]
    assert not personas.team.projects.filter(slug="pip").exists()


def test_member_sees_no_forms_to_change_things(client: Client, personas: Personas) -> None:
    login(client, personas.member)
    for path in ["", "projects/", "policy/", "templates/accept/"]:
        body = client.get(url(path)).content.decode()
        assert "only the team&#x27;s admins change it" in body or "only the team's admins" in body
        for action in [
            "members/add/",
            "members/role/",
            "projects/add/",
            'action="/team/psrt/policy/',
        ]:
            assert action not in body, (path, action)


def test_member_gets_404_on_webhooks(client: Client, personas: Personas) -> None:
    login(client, personas.member)
    assert client.get(url("webhooks/")).status_code == 404
    data: dict[str, Any] = {"url": "https://hooks.example.test/x", "events": ["report.created"]}
    assert client.post(url("webhooks/add/"), data).status_code == 404
    body = client.get(url("")).content.decode()
    assert "/team/psrt/webhooks/" not in body


def test_get_on_action_urls_is_not_allowed(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    for path in [
        "members/add/",
        "members/role/",
        "members/remove/",
        "projects/add/",
        "tokens/create/",
    ]:
        assert client.get(url(path)).status_code == 405, path
