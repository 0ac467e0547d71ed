"""API tokens on the team page: each member's own, the secret shown once, revocable."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.api import services as api
from vulndesk.api.models import ApiToken

pytestmark = pytest.mark.django_db

PAGE = "/team/psrt/tokens/"


def create(client: Client, **data: object) -> str:
    """Create a token through the form; return the page that shows it once."""
    body: dict[str, object] = {"name": "release bot", "scopes": ["read"], "expires_in_days": "30"}
    response = client.post(PAGE + "create/", body | data)
    assert response.status_code == 302
    assert response["Location"] == PAGE
    return client.get(PAGE).content.decode()


@pytest.mark.parametrize("who", ["admin", "member"])
def test_create_shows_the_secret_once_and_it_works(
    client: Client, personas: Personas, who: str
) -> None:
    user = getattr(personas, who)
    login(client, user)
    body = create(client)
    match = re.search(r'value="(vdk_[0-9a-f]{8}_[^"]+)"', body)
    assert match, body
    secret = match.group(1)
    token = ApiToken.objects.get(user=user)
    assert token.team == personas.team
    assert token.scopes == ["read"]
    assert token.secret_hash != secret  # stored hashed
    assert api.token_authenticate(secret) == token
    again = client.get(PAGE).content.decode()
    assert secret not in again  # shown once
    assert f"vdk_{token.prefix}_" in again  # listed by its prefix


def test_list_shows_last_use_and_only_own_tokens(client: Client, personas: Personas) -> None:
    mine, secret = api.token_create(
        user=personas.member, name="mine", scopes=["read"], team=personas.team
    )
    api.token_create(user=personas.admin, name="alices", scopes=["admin"], team=personas.team)
    api.token_create(user=personas.member, name="unnarrowed", scopes=["read"])
    api.token_authenticate(secret)
    login(client, personas.member)
    body = client.get(PAGE).content.decode()
    assert "mine" in body
    assert "alices" not in body
    assert "unnarrowed" not in body
    mine.refresh_from_db()
    assert mine.last_used_at is not None
    assert mine.last_used_at.strftime("%Y-%m-%d %H:%M") in body


def test_revoke(client: Client, personas: Personas) -> None:
    token, secret = api.token_create(
        user=personas.member, name="ci", scopes=["act"], team=personas.team
    )
    login(client, personas.member)
    response = client.post(PAGE + "revoke/", {"token": token.prefix})
    assert response.status_code == 302
    assert api.token_authenticate(secret) is None
    assert "revoked" in client.get(PAGE).content.decode()


def test_nobody_revokes_anothers_token(client: Client, personas: Personas) -> None:
    token, secret = api.token_create(
        user=personas.member, name="bobs", scopes=["read"], team=personas.team
    )
    login(client, personas.admin)
    response = client.post(PAGE + "revoke/", {"token": token.prefix})
    assert response.status_code == 400
    assert "You have no token" in response.content.decode()
    assert api.token_authenticate(secret) is not None


def test_create_refusals_next_to_the_form(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "create/", {"name": "x", "expires_in_days": "30"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="refusal-create"' in body
    assert "Scopes: This field is required." in body
    response = client.post(PAGE + "create/", {"name": "   ", "scopes": ["read"]})
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_never_expiring_token(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    create(client, expires_in_days="")
    assert ApiToken.objects.get(user=personas.admin).expires_at is None
