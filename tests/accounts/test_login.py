"""Logging in: by email address, verified addresses only, password reset by mail,
throttled after failures, sessions that end."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from tests.conftest import Personas
from tests.web import login, password_for
from vulndesk.mail.models import OutboxMessage


def _link(body: str, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]*)", body)
    assert match, body
    return match.group(1)


def test_a_reporter_logs_in_by_email_address(personas: Personas) -> None:
    client = Client()
    user = personas.reporter
    response = client.post(
        "/accounts/login/", {"login": user.email.upper(), "password": password_for(user)}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_username_is_not_a_login(personas: Personas) -> None:
    client = Client()
    user = personas.reporter
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": password_for(user)}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_refused(personas: Personas) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": personas.reporter.email, "password": "wrong-password-1"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "not correct" in response.content.decode()


def test_a_new_account_must_verify_its_address_before_logging_in(db: Any) -> None:
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "newcomer@example.test",
            "password1": "a-long-new-password-9",
            "password2": "a-long-new-password-9",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    mail = OutboxMessage.objects.get(to=["newcomer@example.test"])
    assert "[vulndesk]" in mail.subject
    # Logging in before following the link sends another link instead of a session.
    response = client.post(
        "/accounts/login/",
        {"login": "newcomer@example.test", "password": "a-long-new-password-9"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    # The link in the mail verifies the address; then the login works.
    confirm = _link(mail.body, "/accounts/confirm-email/")
    assert client.get(confirm).status_code == 200
    assert client.post(confirm).status_code == 302
    assert EmailAddress.objects.get(email="newcomer@example.test").verified
    response = client.post(
        "/accounts/login/",
        {"login": "newcomer@example.test", "password": "a-long-new-password-9"},
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_signup_can_be_closed(db: Any, settings: Any) -> None:
    settings.VULNDESK_SIGNUP_OPEN = False
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "x@example.test",
            "password1": "pw-long-enough-1",
            "password2": "pw-long-enough-1",
        },
    )
    assert "closed" in response.content.decode().lower()
    assert not EmailAddress.objects.filter(email="x@example.test").exists()


def test_password_reset_mail_arrives_and_its_link_sets_a_new_password(
    personas: Personas,
) -> None:
    client = Client()
    user = personas.reporter
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    mail = OutboxMessage.objects.get(to=[user.email])
    assert "Password Reset" in mail.subject
    assert mail.status == OutboxMessage.Status.QUEUED  # sent by the outbox worker
    link = _link(mail.body, "/accounts/password/reset/key/")
    response = client.get(link)  # allauth moves the key out of the URL
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.post(
        form_url, {"password1": "a-brand-new-password-7", "password2": "a-brand-new-password-7"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-password-7")
    # An unknown address gets no mail and no hint that it is unknown.
    before = OutboxMessage.objects.count()
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert OutboxMessage.objects.count() == before + 1  # allauth tells the address, not us
    assert "nobody@example.test" in OutboxMessage.objects.latest("id").to


def test_failed_logins_are_throttled_even_with_the_right_password_after(
    personas: Personas,
) -> None:
    client = Client()
    user = personas.reporter
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": user.email, "password": "wrong-pw-1"})
        assert response.status_code == 200
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": password_for(user)}
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
    # Another account from the same address is still let in (the per-account limit).
    other = Client()
    response = other.post(
        "/accounts/login/",
        {"login": personas.other_reporter.email, "password": password_for(personas.other_reporter)},
    )
    assert "_auth_user_id" in other.session


def test_a_session_ends_after_the_configured_age(personas: Personas) -> None:
    client = login(Client(), personas.reporter)
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert cookie["httponly"]
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # counted from login, not activity


def test_an_expired_session_is_logged_out(personas: Personas, settings: Any) -> None:
    client = login(Client(), personas.reporter)
    session = client.session
    session.set_expiry(-1)  # as if the configured age had passed
    session.save()
    response = client.get("/cvss/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["reporter", "admin"])
def test_logout_is_a_post(personas: Personas, who: str) -> None:
    client = login(Client(), getattr(personas, who))
    page = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in page
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
