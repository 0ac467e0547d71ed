"""Members and roles: add by email, change role, remove; the last admin stays."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.accounts.models import Membership

pytestmark = pytest.mark.django_db

PAGE = "/team/psrt/"


def role(personas: Personas, username: str) -> str | None:
    return (
        Membership.objects.filter(team=personas.team, user__username=username)
        .values_list("role", flat=True)
        .first()
    )


def test_page_lists_members_with_roles(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    body = client.get(PAGE).content.decode()
    for email in ["alice@example.test", "bob@example.test", "carol@example.test"]:
        assert email in body
    assert "zed@example.test" not in body  # another team's admin
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<label for="id_email">Email address' in body


def test_admin_adds_an_existing_user_by_email(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "members/add/", {"email": "ERIN@example.test", "role": "member"})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert role(personas, "erin") == "member"
    assert "erin@example.test" in client.get(PAGE).content.decode()


def test_unknown_address_is_refused_with_what_to_do(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(
        PAGE + "members/add/", {"email": "nobody@example.test", "role": "member"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "No account uses nobody@example.test" in body
    assert 'id="refusal-add"' in body
    assert 'value="nobody@example.test"' in body  # the form keeps what was typed


def test_adding_someone_already_on_the_team_is_refused(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "members/add/", {"email": "bob@example.test", "role": "admin"})
    assert response.status_code == 400
    assert "already on PSRT" in response.content.decode()
    assert role(personas, "bob") == "member"


def test_malformed_email_shows_the_form_error(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "members/add/", {"email": "not-an-address", "role": "member"})
    assert response.status_code == 400
    assert "Email address: Enter a valid email address." in response.content.decode()


def test_admin_changes_a_role(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "members/role/", {"user": "bob", "role": "admin"})
    assert response.status_code == 302
    assert role(personas, "bob") == "admin"


def test_admin_removes_a_member(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "members/remove/", {"user": "carol"})
    assert response.status_code == 302
    assert role(personas, "carol") is None


def test_last_admin_cannot_be_demoted_or_removed(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    for path, data in [
        ("members/role/", {"user": "alice", "role": "member"}),
        ("members/remove/", {"user": "alice"}),
    ]:
        response = client.post(PAGE + path, data)
        assert response.status_code == 409
        body = response.content.decode()
        assert "last admin of PSRT" in body
        assert 'id="refusal-alice"' in body  # next to alice's row
    assert role(personas, "alice") == "admin"


def test_someone_of_another_team_cannot_be_changed(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "members/role/", {"user": "zed", "role": "member"})
    assert response.status_code == 400
    assert "not a member of PSRT" in response.content.decode()
    assert not Membership.objects.filter(team=personas.team, user__username="zed").exists()


def test_other_admin_cannot_change_this_team(client: Client, personas: Personas) -> None:
    login(client, personas.other_admin)
    assert client.post(PAGE + "members/remove/", {"user": "carol"}).status_code == 404
    assert role(personas, "carol") == "member"
