"""The demo of `make run`: loaded once by the services, a report in every state."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from vulndesk.accounts.models import Membership, Reporter, Team, User
from vulndesk.cli import main
from vulndesk.core.demo import demo_load, demo_password
from vulndesk.reports.models import Report, State, TimelineEvent


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_has_the_psrt_people_and_a_report_in_every_state(db: Any) -> None:
    result = demo_load()
    assert result["created"] is True
    team = Team.objects.get(slug="psrt")
    assert team.key_prefix == "PSRT"
    assert {p.name for p in team.projects.all()} >= {"CPython", "pip"}
    roles = list(Membership.objects.filter(team=team).values_list("role", flat=True))
    assert roles.count("admin") >= 1
    assert roles.count("member") >= 3
    assert Reporter.objects.count() >= 2
    assert Reporter.objects.filter(user=None).exists()  # a reporter known only by address
    states = set(Report.objects.filter(team=team).values_list("state", flat=True))
    assert states == set(State.values)
    # Built through the services: every report has a timeline that starts with its creation.
    for report in Report.objects.all():
        assert report.timeline.first().action == "report:create"  # type: ignore[union-attr]
    published = Report.objects.filter(state=State.PUBLISHED).first()
    assert published is not None
    assert published.cve_id
    assert published.severity
    logins = {login["username"]: login for login in result["logins"]}
    alice = User.objects.get(username="alice")
    assert alice.check_password(logins["alice"]["password"])
    assert logins["alice"]["password"] == demo_password("alice")


def test_loading_the_demo_again_changes_nothing(db: Any) -> None:
    demo_load()
    counts = (Report.objects.count(), User.objects.count(), TimelineEvent.objects.count())
    again = demo_load()
    assert again["created"] is False
    assert (Report.objects.count(), User.objects.count(), TimelineEvent.objects.count()) == counts


def test_the_demo_command_prints_the_logins(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Loaded the demo team." in out
    assert f"alice    alice@psrt.example       {demo_password('alice')}" in out
    assert "TOTP codes: vulndesk demo-totp" in out
    assert main(["demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["created"] is False
    assert {login["role"] for login in data["logins"]} >= {"admin", "member", "reporter"}


def test_the_demo_is_refused_in_production(
    db: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.PRODUCTION = True
    assert main(["demo"]) == 1
    assert "refused in production" in capsys.readouterr().err
    assert not Team.objects.exists()


def test_the_demo_enrols_totp_for_team_staff_and_prints_their_secrets(
    db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from allauth.mfa.models import Authenticator

    from tests.web import totp_code

    assert main(["demo", "--json"]) == 0
    logins = {row["username"]: row for row in json.loads(capsys.readouterr().out)["logins"]}
    for username in ("alice", "bob", "carol", "dave"):
        assert len(logins[username]["totp_secret"]) == 32
        assert Authenticator.objects.filter(user__username=username).count() == 1
    assert logins["erin"]["totp_secret"] == ""
    assert logins["rita"]["totp_secret"] == ""
    # Printed in the table, and the same secret on every run (the device is kept).
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert f"TOTP secret: {logins['bob']['totp_secret']}" in out
    # `vulndesk demo-totp` prints the codes a person types at the MFA step.
    assert main(["demo-totp", "--json"]) == 0
    codes = {row["username"]: row for row in json.loads(capsys.readouterr().out)["codes"]}
    assert set(codes) == {"alice", "bob", "carol", "dave"}
    secret = logins["alice"]["totp_secret"]
    now = time.time()
    assert codes["alice"]["code"] in {totp_code(secret, at=now), totp_code(secret, at=now - 30)}
    assert 0 < codes["alice"]["seconds_left"] <= 30
    assert main(["demo-totp"]) == 0
    assert "alice" in capsys.readouterr().out


def test_a_demo_member_logs_in_with_the_printed_code(db: Any) -> None:
    from django.test import Client

    from tests.web import totp_code

    result = demo_load()
    bob = {row["username"]: row for row in result["logins"]}["bob"]
    client = Client()
    response = client.post("/accounts/login/", {"login": bob["email"], "password": bob["password"]})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(bob["totp_secret"])})
    assert response.status_code == 302
    assert client.get("/teams/psrt/triage/").status_code == 200


def test_demo_totp_is_refused_in_production(
    db: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from allauth.mfa.models import Authenticator

    from vulndesk.core.demo import demo_totp_enrol
    from vulndesk.core.errors import ApplicationError

    demo_load()
    Authenticator.objects.all().delete()
    settings.PRODUCTION = True
    with pytest.raises(ApplicationError, match="refused in production"):
        demo_totp_enrol()
    assert main(["demo-totp"]) == 1
    assert "refused in production" in capsys.readouterr().err
    # `demo --force` in production loads no TOTP devices (staff set up their own).
    result = demo_load()
    assert all(row["totp_secret"] == "" for row in result["logins"])
    assert not Authenticator.objects.exists()
