"""Policy: report ID prefix, severities, private-fix severities, fix labels, addresses."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login

pytestmark = pytest.mark.django_db

PAGE = "/team/psrt/policy/"


def policy(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key_prefix": "PSRT",
        "severity_levels": ["Low", "Medium", "High", "Critical"],
        "private_fix_severities": ["High", "Critical"],
        "fix_labels": "security, release-blocker",
        "announce_address": "announce@example.test",
        "private_reporting_url": "https://example.test/report",
    }
    return data | overrides


def test_form_shows_the_current_policy(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    body = client.get(PAGE).content.decode()
    assert 'value="PSRT"' in body
    assert 'value="security, release-blocker"' in body
    assert '<label for="id_key_prefix">Report ID prefix' in body


def test_admin_saves_the_policy(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(
        PAGE,
        policy(
            key_prefix="py",
            severity_levels=["Medium", "High", "Critical"],
            private_fix_severities=["Critical"],
            fix_labels="security, type-security, security",
            announce_address="security-announce@example.test",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == PAGE
    team = personas.team
    team.refresh_from_db()
    assert team.key_prefix == "PY"
    assert team.severity_levels == ["Medium", "High", "Critical"]
    assert team.private_fix_severities == ["Critical"]
    assert team.fix_labels == ["security", "type-security"]
    assert team.announce_address == "security-announce@example.test"
    assert "Saved the policy of PSRT." in client.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key_prefix": "p"}, "Use 2-12 capital letters or digits."),
        ({"key_prefix": "OTH"}, "The report key prefix OTH is used by Other"),
        ({"severity_levels": ["Low", "Medium"]}, "High, Critical is not one of them"),
        ({"severity_levels": []}, "Severity levels: This field is required."),
        ({"announce_address": "nope"}, "Announce address: Enter a valid email address."),
        ({"private_reporting_url": "nope"}, "Private-reporting URL: Enter a valid URL."),
    ],
)
def test_invalid_policy_is_refused_next_to_the_form(
    client: Client, personas: Personas, change: dict[str, Any], message: str
) -> None:
    login(client, personas.admin)
    response = client.post(PAGE, policy(**change))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="refusal-policy"' in body
    assert message in body
    team = personas.team
    team.refresh_from_db()
    assert team.key_prefix == "PSRT"
    assert team.severity_levels == ["Low", "Medium", "High", "Critical"]


def test_prefix_of_another_teams_reports_is_refused(client: Client, personas: Personas) -> None:
    from vulndesk.accounts.services import team_policy_update
    from vulndesk.reports import services as rs

    rs.report_create(
        team=personas.other_team,
        reporter_email="x@example.test",
        title="t",
        body="b",
        actor=personas.other_admin,
    )
    # Other renames its prefix; its old keys (OTH-…) stay, so nobody may take OTH.
    team_policy_update(
        personas.other_team,
        actor=personas.other_admin,
        key_prefix="OTHER",
        severity_levels=["High"],
        private_fix_severities=[],
        fix_labels=[],
    )
    login(client, personas.admin)
    response = client.post(PAGE, policy(key_prefix="OTH"))
    assert response.status_code == 400
    assert "Reports of another team have keys starting OTH-" in response.content.decode()


def test_member_reads_the_policy(client: Client, personas: Personas) -> None:
    login(client, personas.member)
    body = client.get(PAGE).content.decode()
    assert "security, release-blocker" in body
    assert '<form method="post" action="/team/psrt/policy/"' not in body
    assert client.post(PAGE, policy(key_prefix="BOB")).status_code == 403
    personas.team.refresh_from_db()
    assert personas.team.key_prefix == "PSRT"
