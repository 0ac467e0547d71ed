"""Message templates: the shipped PSRT text for everyone on the team, overrides by admins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.mail import templates
from vulndesk.mail.models import TemplateOverride
from vulndesk.reports.models import Report

pytestmark = pytest.mark.django_db

PAGE = "/team/psrt/templates/"


def test_lists_every_template(client: Client, personas: Personas) -> None:
    login(client, personas.member)
    body = client.get(PAGE).content.decode()
    for name in templates.TEMPLATES:
        assert f'href="{PAGE}{name}/"' in body


def test_shows_the_shipped_text(client: Client, personas: Personas) -> None:
    login(client, personas.member)
    body = client.get(PAGE + "use-private-form/").content.decode()
    assert "private_reporting_url" in body  # the template source, shown as text
    assert "Shipped text" in body


def test_admin_overrides_and_resets(
    client: Client, personas: Personas, make_report: Callable[..., Report]
) -> None:
    login(client, personas.admin)
    response = client.post(
        PAGE + "reject/",
        {"subject": "Not a vulnerability: {{ report.title }}", "body": "Thanks, {{ team.name }}."},
    )
    assert response.status_code == 302
    override = TemplateOverride.objects.get(team=personas.team, name="reject")
    assert override.body == "Thanks, {{ team.name }}."
    report = make_report("triage")
    rendered = templates.render("reject", report)
    assert rendered.body == "Thanks, PSRT.\n"
    body = client.get(PAGE + "reject/").content.decode()
    assert "PSRT uses its own text" in body
    assert client.post(PAGE + "reject/reset/").status_code == 302
    assert not TemplateOverride.objects.filter(team=personas.team).exists()


def test_template_that_does_not_compile_is_refused(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "accept/", {"subject": "Hi", "body": "{% if %}"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="refusal-edit"' in body
    assert "does not compile" in body
    assert not TemplateOverride.objects.exists()


def test_unknown_template_is_not_found(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    assert client.get(PAGE + "nope/").status_code == 404
    assert client.post(PAGE + "nope/", {"subject": "s", "body": "b"}).status_code == 404


def test_member_reads_but_cannot_override(client: Client, personas: Personas) -> None:
    TemplateOverride.objects.create(team=personas.team, name="ack", subject="S", body="OurText")
    login(client, personas.member)
    body = client.get(PAGE + "ack/").content.decode()
    assert "OurText" in body
    assert f'action="{PAGE}ack/"' not in body
    assert client.post(PAGE + "ack/", {"subject": "x", "body": "y"}).status_code == 403
    assert client.post(PAGE + "ack/reset/").status_code == 403
    assert TemplateOverride.objects.get(team=personas.team, name="ack").body == "OurText"


def test_other_teams_override_is_invisible(client: Client, personas: Personas) -> None:
    TemplateOverride.objects.create(
        team=personas.other_team, name="ack", subject="S", body="TheirSecretText"
    )
    login(client, personas.admin)
    assert "TheirSecretText" not in client.get(PAGE + "ack/").content.decode()
