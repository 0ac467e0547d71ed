"""Security keys (WebAuthn) as the second factor, in a real browser: Debian's chromium with
a virtual authenticator (Chrome DevTools Protocol), against the live server. allauth's
WebAuthn pages load their scripts from static files, so the strict CSP holds."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.db import connections

from tests.conftest import Personas
from tests.web import password_for, totp_code, totp_secret

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Any:
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium is not installed (make test installs it)")
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls
    # are still plain synchronous ones (the live server answers in its own thread).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context()
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                }
            },
        )
        yield page, errors
        browser.close()
        # ORM calls made while Playwright's greenlet is up may use a connection of their
        # own context; close it here, or PostgreSQL cannot drop the test database.
        connections.close_all()


def test_a_member_adds_a_security_key_and_logs_in_with_it(
    transactional_db: Any, personas: Personas, live_server: Any, browser_page: Any
) -> None:
    (page, console_errors), user = browser_page, personas.member
    base = live_server.url.replace("127.0.0.1", "localhost")  # WebAuthn refuses IP addresses
    secret = totp_secret(user)

    def log_in() -> None:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password_for(user))
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/accounts/2fa/authenticate/")

    log_in()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("main form[action='/accounts/2fa/authenticate/'] button[type=submit]").click()
    page.goto(f"{base}/accounts/2fa/webauthn/add/")
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists()
    listing = page.goto(f"{base}/accounts/2fa/webauthn/")
    assert listing is not None
    assert listing.status == 200

    page.locator("header button[type=submit]").click()  # log out
    log_in()
    page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)
    response = page.goto(f"{base}/teams/psrt/triage/")
    assert response is not None
    assert response.status == 200
    assert page.url == f"{base}/teams/psrt/triage/"
    assert not [e for e in console_errors if "Content Security Policy" in e]
