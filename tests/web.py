"""Log a persona into a Django test client the way a person does.

Every web test logs in through `login(client, user)`, never `client.force_login`:
team admins and members must pass multi-factor authentication before they can see
any report (vulndesk.core.middleware), and this helper is the one place that knows how.

It posts allauth's real login form (email and password) and, for team staff, the TOTP
code of the second step, so a test session is the session a person gets. To make that
possible it gives the user what a person would have: a verified email address, a known
password (``password_for(user)``) and, for team staff, a TOTP device (``totp_secret``).
Two requests per login (three for staff); each login comes from its own client address,
so a test that logs in many times is not throttled by the per-address login limit.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.mfa.utils import decrypt
from django.core.cache import cache
from django.test import Client

from vulndesk.accounts.models import Membership

_addresses = itertools.count(1)
TOTP_PERIOD = 30


def password_for(user: Any) -> str:
    """The password login() uses (the personas' own, see tests/conftest.py)."""
    return f"pw-{user.username}-long-enough"


def _ensure_password(user: Any) -> str:
    password = password_for(user)
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return password


def _ensure_verified_email(user: Any) -> None:
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def totp_secret(user: Any) -> str:
    """The user's TOTP secret, enrolling a device (as the set-up page does) if none."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret
    return decrypt(authenticator.data["secret"])


def totp_code(secret: str, *, at: float | None = None) -> str:
    counter = int(time.time() if at is None else at) // TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def _fresh_code(user: Any, secret: str) -> str:
    # A code is refused within ~1 s of its period's end; wait for the next period instead.
    if TOTP_PERIOD - time.time() % TOTP_PERIOD < 1.0:
        time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.05)
    code = totp_code(secret)
    # allauth refuses a code used once already in its period (replay protection); tests
    # log the same person in several times within one period, so forget the earlier use.
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    cache.delete(TOTP(authenticator)._get_used_cache_key(code))
    return code


def login(client: Client, user: Any) -> Client:
    """Log ``user`` in through the login form (and the TOTP step for team staff)."""
    if client.session.get("_auth_user_id"):
        client.logout()  # switching persona: the login page turns away a logged-in user
    _ensure_verified_email(user)
    password = _ensure_password(user)
    staff = Membership.objects.filter(user=user).exists()
    secret = totp_secret(user) if staff else ""
    n = next(_addresses)
    address = {"REMOTE_ADDR": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"}
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": password}, **address
    )
    if staff:
        _expect_redirect(response, "/accounts/2fa/authenticate/", user)
        response = client.post(
            "/accounts/2fa/authenticate/", {"code": _fresh_code(user, secret)}, **address
        )
    _expect_redirect(response, None, user)
    if str(client.session.get("_auth_user_id")) != str(user.pk):
        raise AssertionError(f"login({user.username}) did not log in")
    # Pages a test opens next show what they show, without the "Signed in" flash message.
    client.cookies.pop("messages", None)
    return client


def _expect_redirect(response: Any, to: str | None, user: Any) -> None:
    if response.status_code != 302 or (to is not None and response["Location"] != to):
        body = response.content.decode(errors="replace")[:2000]
        raise AssertionError(
            f"login({user.username}): expected a redirect to {to or 'the next page'}, "
            f"got {response.status_code} {response.get('Location', '')}\n{body}"
        )
