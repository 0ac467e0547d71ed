"""Inviting a collaborator who has no account: a signed, expiring, single-use link that
only the invited address can accept, and that lets them sign up (even with signup closed)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.accounts.models import User
from vulndesk.core import clock
from vulndesk.desk.invitations import INVITATION_DAYS
from vulndesk.desk.models import CollaboratorInvitation
from vulndesk.mail.models import OutboxMessage
from vulndesk.reports import services as rs
from vulndesk.reports.models import Collaborator, Report, State

pytestmark = pytest.mark.django_db

NEWCOMER = "newcomer@core.example"
PASSWORD = "a-long-enough-passphrase-42"


def invite(client: Client, personas: Personas, report: Report, email: str = NEWCOMER) -> str:
    """The admin invites ``email`` through the page; returns the link's path from the mail."""
    login(client, personas.admin)
    response = client.post(f"/desk/reports/{report.key}/invite/", {"invite-email": email})
    assert response.status_code == 302, response.content.decode()[:2000]
    mail = OutboxMessage.objects.filter(report=report, template="invite").latest("id")
    assert mail.to == [email]
    match = re.search(r"https?://[^/\s]+(/desk/invitations/[^\s]+/)", mail.body)
    assert match, mail.body
    client.logout()
    return match.group(1)


def sign_up(client: Client, email: str) -> Any:
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def confirm_address(client: Client, email: str) -> None:
    mail = OutboxMessage.objects.filter(to=[email]).exclude(template="invite").latest("id")
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.body)
    assert match, mail.body
    response = client.post(match.group(1))
    assert response.status_code == 302


@pytest.fixture
def report(make_report: Callable[..., Report]) -> Report:
    return make_report(State.TRIAGE)


def test_invitation_to_an_address_without_account_is_mailed_not_granted(
    client: Client, personas: Personas, report: Report
) -> None:
    link = invite(client, personas, report)
    invitation = CollaboratorInvitation.objects.get()
    assert invitation.email == NEWCOMER
    assert invitation.secret_hash not in link  # only a hash of the secret is stored
    assert not Collaborator.objects.filter(report=report).exists()
    assert report.timeline.filter(action="report:collaborator:invite").exists()
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=INVITATION_DAYS)


def test_newcomer_signs_up_accepts_and_sees_only_that_report(
    client: Client, personas: Personas, report: Report, make_report: Callable[..., Report]
) -> None:
    other = make_report(State.TRIAGE, title="Not for the newcomer")
    link = invite(client, personas, report)

    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="invitation-signup"' in html
    assert NEWCOMER in html
    assert report.title not in html  # nothing of the report before accepting

    assert sign_up(client, NEWCOMER).status_code == 302
    user = User.objects.get(email=NEWCOMER)
    confirm_address(client, NEWCOMER)

    login(client, user)
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == f"/desk/reports/{report.key}/"
    assert Collaborator.objects.filter(report=report, user=user).exists()
    assert report.timeline.filter(action="report:collaborator:accept").exists()
    assert client.get(f"/desk/reports/{report.key}/").status_code == 200
    assert client.get(f"/desk/reports/{other.key}/").status_code == 404


def test_link_is_single_use_even_after_removal(
    client: Client, personas: Personas, report: Report
) -> None:
    link = invite(client, personas, report)
    user = User.objects.create_user(username="newcomer", email=NEWCOMER, password=PASSWORD)
    login(client, user)
    assert client.post(link).status_code == 302
    rs.collaborator_remove(report, actor=personas.admin, user=user)
    response = client.post(link)
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert not Collaborator.objects.filter(report=report, user=user).exists()


def test_only_the_invited_address_can_accept(
    client: Client, personas: Personas, report: Report
) -> None:
    link = invite(client, personas, report)
    login(client, personas.other_reporter)
    response = client.post(link)
    assert response.status_code == 409
    assert "for another email address" in response.content.decode()
    assert not Collaborator.objects.filter(report=report).exists()
    assert CollaboratorInvitation.objects.get().accepted_at is None


def test_unverified_address_cannot_accept(
    client: Client, personas: Personas, report: Report
) -> None:
    """An account that merely added the invited address (unconfirmed) cannot accept."""
    from allauth.account.models import EmailAddress

    link = invite(client, personas, report)
    user = User.objects.create_user(username="squatter", email="sq@example.test", password="x")
    login(client, user)
    EmailAddress.objects.create(user=user, email=NEWCOMER, verified=False, primary=False)
    response = client.post(link)
    assert response.status_code == 409
    assert not Collaborator.objects.filter(report=report).exists()


def test_expired_or_forged_links_are_refused(
    client: Client, personas: Personas, report: Report
) -> None:
    link = invite(client, personas, report)
    forged = link.replace("/desk/invitations/", "/desk/invitations/x")
    assert client.get(forged).status_code == 404
    later = clock.now() + dt.timedelta(days=INVITATION_DAYS, minutes=1)
    with clock.frozen(later):
        response = client.get(link)
    assert response.status_code == 404
    assert "not valid or has expired" in response.content.decode()


def test_anonymous_accept_goes_to_login(client: Client, personas: Personas, report: Report) -> None:
    link = invite(client, personas, report)
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Collaborator.objects.filter(report=report).exists()


def test_invitation_lapses_when_the_inviter_may_no_longer_invite(
    client: Client, personas: Personas, report: Report
) -> None:
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    login(client, personas.member)
    response = client.post(f"/desk/reports/{report.key}/invite/", {"invite-email": NEWCOMER})
    assert response.status_code == 302
    mail = OutboxMessage.objects.get(report=report, template="invite")
    link = re.search(r"(/desk/invitations/[^\s]+/)", mail.body).group(1)  # type: ignore[union-attr]
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member2, reason="Away.")
    user = User.objects.create_user(username="newcomer", email=NEWCOMER, password=PASSWORD)
    login(client, user)
    response = client.post(link)
    assert response.status_code == 409
    assert "the invitation lapsed" in response.content.decode()


def test_a_pending_invitation_is_not_sent_twice(
    client: Client, personas: Personas, report: Report
) -> None:
    invite(client, personas, report)
    login(client, personas.admin)
    response = client.post(f"/desk/reports/{report.key}/invite/", {"invite-email": NEWCOMER})
    assert response.status_code == 400
    assert "is already invited" in response.content.decode()


def test_member_who_is_not_coordinator_cannot_invite_a_newcomer(
    client: Client, personas: Personas, report: Report
) -> None:
    login(client, personas.member2)
    response = client.post(f"/desk/reports/{report.key}/invite/", {"invite-email": NEWCOMER})
    assert response.status_code == 409
    assert not CollaboratorInvitation.objects.exists()


def test_closed_signup_opens_for_the_invited_address_only(
    client: Client, personas: Personas, report: Report, settings: Any
) -> None:
    settings.VULNDESK_SIGNUP_OPEN = False
    link = invite(client, personas, report)
    sign_up(client, "stranger@example.test")
    assert not User.objects.filter(email="stranger@example.test").exists()

    client.get(link)  # following the link opens signup, for the invited address
    sign_up(client, "stranger@example.test")
    assert not User.objects.filter(email="stranger@example.test").exists()
    assert sign_up(client, NEWCOMER).status_code == 302
    assert User.objects.filter(email=NEWCOMER).exists()


def test_pending_invitation_is_listed_for_the_team_only(
    client: Client, personas: Personas, report: Report
) -> None:
    invite(client, personas, report)
    login(client, personas.member)
    html = client.get(f"/desk/reports/{report.key}/").content.decode()
    assert f'<li class="pending">{NEWCOMER} ' in html
    rs.collaborator_invite(report, actor=personas.admin, user=personas.collaborator)
    login(client, personas.collaborator)
    assert 'class="pending"' not in client.get(f"/desk/reports/{report.key}/").content.decode()
