"""Webhooks on the team pages: admins add (secret shown once), see deliveries, disable."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.reports import services as rs
from vulndesk.webhooks import services as hooks
from vulndesk.webhooks.models import Delivery, Webhook

pytestmark = pytest.mark.django_db

PAGE = "/team/psrt/webhooks/"


def test_admin_adds_a_webhook_and_sees_the_secret_once(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(
        PAGE + "add/",
        {
            "url": "https://hooks.example.test/psrt",
            "events": ["report.created", "report.published"],
            "private": "on",
        },
    )
    assert response.status_code == 302
    hook = Webhook.objects.get(team=personas.team)
    assert response["Location"] == f"{PAGE}{hook.public_id}/"
    assert hook.events == ["report.created", "report.published"]
    assert hook.private
    assert hook.active
    body = client.get(response["Location"]).content.decode()
    assert f'value="{hook.secret}"' in body
    assert hook.secret not in client.get(response["Location"]).content.decode()
    assert hook.secret not in client.get(PAGE).content.decode()
    assert "https://hooks.example.test/psrt" in client.get(PAGE).content.decode()


def test_add_refusals_next_to_the_form(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "add/", {"url": "https://hooks.example.test/"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="refusal-add"' in body
    assert "Events: This field is required." in body
    response = client.post(PAGE + "add/", {"url": "ftp://x.test/", "events": ["comment.added"]})
    assert response.status_code == 400
    assert not Webhook.objects.exists()


def test_recent_deliveries_with_status(client: Client, personas: Personas) -> None:
    hook, _ = hooks.webhook_create(
        personas.team,
        actor=personas.admin,
        url="https://hooks.example.test/x",
        events=["report.created"],
    )
    rs.report_create(
        team=personas.team,
        reporter_email=personas.reporter.email,
        title="A bug",
        body="b",
        actor=personas.reporter,
    )
    delivery = Delivery.objects.get(webhook=hook)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.RETRY, attempts=2, last_status_code=502, last_error="HTTP 502 Bad"
    )
    login(client, personas.admin)
    body = client.get(f"{PAGE}{hook.public_id}/").content.decode()
    assert "report.created" in body
    assert "Awaiting retry" in body
    assert "HTTP 502" in body


def test_disable_and_enable(client: Client, personas: Personas) -> None:
    hook, _ = hooks.webhook_create(
        personas.team,
        actor=personas.admin,
        url="https://hooks.example.test/x",
        events=["report.created"],
    )
    login(client, personas.admin)
    url = f"{PAGE}{hook.public_id}/active/"
    assert client.post(url, {"active": "0"}).status_code == 302
    hook.refresh_from_db()
    assert not hook.active
    rs.report_create(
        team=personas.team,
        reporter_email=personas.reporter.email,
        title="A bug",
        body="b",
        actor=personas.reporter,
    )
    assert not Delivery.objects.filter(webhook=hook).exists()  # nothing queued when disabled
    assert "disabled" in client.get(f"{PAGE}{hook.public_id}/").content.decode()
    assert client.post(url, {"active": "1"}).status_code == 302
    hook.refresh_from_db()
    assert hook.active


def test_other_teams_hook_is_not_found(client: Client, personas: Personas) -> None:
    hook, _ = hooks.webhook_create(
        personas.other_team,
        actor=personas.other_admin,
        url="https://hooks.example.test/other",
        events=["report.created"],
    )
    login(client, personas.admin)
    assert client.get(f"{PAGE}{hook.public_id}/").status_code == 404
    assert client.post(f"{PAGE}{hook.public_id}/active/", {"active": "0"}).status_code == 404
    hook.refresh_from_db()
    assert hook.active
    assert client.get(f"{PAGE}00000000-0000-0000-0000-000000000000/").status_code == 404


def test_members_get_404(client: Client, personas: Personas) -> None:
    hook, _ = hooks.webhook_create(
        personas.team,
        actor=personas.admin,
        url="https://hooks.example.test/x",
        events=["report.created"],
    )
    login(client, personas.member)
    assert client.get(f"{PAGE}{hook.public_id}/").status_code == 404
    assert client.post(f"{PAGE}{hook.public_id}/active/", {"active": "0"}).status_code == 404
    hook.refresh_from_db()
    assert hook.active
    assert re.search("hooks.example.test", client.get("/team/psrt/").content.decode()) is None
