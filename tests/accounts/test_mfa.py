"""Team admins and members pass multi-factor authentication before they see anything of
a team: every staff page, present and future, refuses them until they do."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import Personas, build_report
from tests.web import login, password_for, totp_code, totp_secret
from vulndesk.core.middleware import path_needs_mfa
from vulndesk.reports.models import State

ACTIVATE = "/accounts/2fa/totp/activate/"


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_patterns(entry, route))
        else:
            found.append((route, entry))
    return found


def _fill(route: str, values: dict[str, str]) -> str:
    """A path for ``route`` with its parameters filled in (regex routes: their literal)."""

    def value(match: re.Match[str]) -> str:
        converter, name = (match.group(1) or "str"), match.group(2)
        if converter == "int":
            return values.get(name, "2026") if name == "year" else "1"
        return values.get(name, values["key"])

    path = re.sub(r"<(?:(\w+):)?(\w+)>", value, route)
    path = path.lstrip("^").rstrip("$").replace("\\", "")
    return "/" + path


def staff_paths(values: dict[str, str]) -> list[str]:
    """Every URL of the project that team staff need MFA for: found, not listed, so a page
    added later is checked without touching this test."""
    paths = {_fill(route, values) for route, _ in _patterns(get_resolver())}
    return sorted(p for p in paths if path_needs_mfa(p) and "(?P<" not in p)


@pytest.fixture
def report(personas: Personas) -> Any:
    return build_report(personas, State.FIXING)


def _password_login(client: Client, user: Any) -> None:
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": password_for(user)}
    )
    assert response.status_code == 302


def test_the_staff_paths_cover_the_desk_and_the_team_pages(personas: Personas, report: Any) -> None:
    paths = staff_paths({"key": report.key, "slug": "psrt"})
    assert f"/teams/psrt/triage/{report.key}/" in paths
    assert "/cvss/" in paths
    assert not any(p.startswith(("/accounts/", "/api/", "/advisories/")) for p in paths)


@pytest.mark.parametrize("who", ["admin", "member"])
def test_a_team_member_without_mfa_set_up_cannot_see_any_report(
    personas: Personas, report: Any, who: str
) -> None:
    user = getattr(personas, who)
    client = Client()
    _password_login(client, user)  # no authenticator: allauth asks for nothing more
    assert client.session["_auth_user_id"] == str(user.pk)
    paths = staff_paths({"key": report.key, "slug": "psrt", "sha256": "0" * 64})
    assert len(paths) >= 5
    for path in paths:
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 302, (method, path)
            assert response["Location"].startswith(ACTIVATE), path
            assert report.title not in response.content.decode()
    # The account pages and the public site stay open (that is where MFA is set up); the
    # password just typed counts for allauth's reauthentication, so it is not asked again.
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    assert "set up two-factor authentication before they see any report" in page.content.decode()
    assert client.get("/").status_code == 200


def test_a_reporter_and_a_collaborator_need_no_mfa(personas: Personas, report: Any) -> None:
    from vulndesk.reports.services import collaborator_invite

    collaborator_invite(report, actor=personas.member, user=personas.collaborator)
    for user in (personas.reporter, personas.collaborator):
        client = Client()
        _password_login(client, user)
        response = client.get("/cvss/")
        assert response.status_code == 200


def test_setting_up_totp_on_the_page_lets_a_member_in(personas: Personas, report: Any) -> None:
    client = Client()
    _password_login(client, personas.member)
    page = client.get(ACTIVATE)
    secret = page.context["form"].secret
    assert 'alt="' + secret in page.content.decode() or secret in page.content.decode()
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=personas.member).count() == 2  # TOTP + codes
    url = f"/teams/psrt/triage/{report.key}/"
    assert client.get(url).status_code == 200


def test_a_wrong_code_at_setup_is_refused(personas: Personas) -> None:
    client = Client()
    _password_login(client, personas.member)
    response = client.post(ACTIVATE, {"code": "000000"})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=personas.member).exists()


def test_a_member_with_totp_must_give_the_code_to_log_in(personas: Personas) -> None:
    secret = totp_secret(personas.member)
    client = Client()
    _password_login(client, personas.member)
    assert "_auth_user_id" not in client.session  # the password alone is not a login
    response = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    if totp_code(secret) != "123456":
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session


def test_a_session_from_before_mfa_was_set_up_is_ended(personas: Personas, report: Any) -> None:
    client = Client()
    _password_login(client, personas.member)
    totp_secret(personas.member)  # set up elsewhere (another browser) meanwhile
    response = client.get(f"/teams/psrt/triage/{report.key}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_logs_in_once(personas: Personas, report: Any) -> None:
    totp_secret(personas.admin)
    codes = RecoveryCodes.activate(personas.admin).get_unused_codes()
    url = f"/teams/psrt/triage/{report.key}/"
    client = Client()
    _password_login(client, personas.admin)
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 302
    assert client.get(url).status_code == 200
    # The same code a second time is refused.
    client = Client()
    _password_login(client, personas.admin)
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[1]})
    assert response.status_code == 302


def test_the_test_login_helper_passes_mfa_for_staff(personas: Personas, report: Any) -> None:
    for user in (personas.admin, personas.admin, personas.member):  # twice within a period
        client = login(Client(), user)
        assert client.get(f"/teams/psrt/triage/{report.key}/").status_code == 200
