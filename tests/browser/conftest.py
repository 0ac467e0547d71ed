"""Browser tests: Playwright driving Debian's chromium against a live vulndesk server.

- ``live_server`` (pytest-django) serves the app from a thread; the test database is a
  SQLite file (settings.py, VULNDESK_TEST_DB_NAME) or PostgreSQL, so the server's thread
  sees what the test wrote.
- ``browser`` is one headless chromium per package run (``/usr/bin/chromium``, never
  ``playwright install``). Without chromium or Playwright the tests are skipped, except in
  CI (VULNDESK_REQUIRE_POSTGRES=1, set by .ci/run) or with VULNDESK_REQUIRE_BROWSER=1,
  where a missing browser fails them: `make test` installs chromium (scripts/system-deps).
- ``page`` fails the test on any console error, uncaught page error, Content-Security-Policy
  violation, JavaScript dialog or HTTP error answer (unless opened with ``goto_expecting``).
- ``browser_login(page, user)`` logs in through the real login form (and the TOTP step).
- ``screenshot(page, name)`` writes docs/screenshots/NAME.png only when VULNDESK_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web import _ensure_password, _ensure_verified_email, _fresh_code, totp_secret

CHROMIUM = os.environ.get("VULNDESK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1100, "height": 760}

# Reported as errors by the `page` fixture; listeners append to page.problems.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI
                + ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


def _browser_required() -> bool:
    return "1" in (
        os.environ.get("VULNDESK_REQUIRE_POSTGRES", ""),
        os.environ.get("VULNDESK_REQUIRE_BROWSER", ""),
    )


def _unavailable(reason: str) -> None:
    if _browser_required():
        pytest.fail(f"browser tests must run here (CI) but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    # Playwright's sync API keeps an asyncio loop running in this thread while it is up;
    # the tests' own ORM calls are synchronous and safe, so let Django allow them, for
    # this package only (stopped and restored before the next package's tests).
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


class Problems(list[str]):
    """What went wrong in the browser during a test: console errors, page errors, dialogs."""


def new_page(browser: Any, base_url: str, *, bypass_csp: bool = False) -> Any:
    """A fresh context (own cookies) and page that records every problem in page.problems."""
    context = browser.new_context(
        base_url=base_url, viewport=VIEWPORT, bypass_csp=bypass_csp, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = Problems()

    def on_console(message: Any) -> None:
        # A failed load is also logged to the console; on_response judges those.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error on {page.url}: {message.text}")

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.url not in page.expected_errors:
            problems.append(f"HTTP {response.status} for {response.url} (on {page.url})")

    def on_dialog(dialog: Any) -> None:
        problems.append(f"dialog ({dialog.type}) on {page.url}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"page error on {page.url}: {error}"))
    page.on("dialog", on_dialog)
    page.problems = problems
    page.expected_errors = set()
    page.base_url = base_url.rstrip("/")
    return page


@pytest.fixture
def base_url(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def open_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A factory of pages (one browser context each, e.g. one per persona)."""
    pages: list[Any] = []

    def make(*, bypass_csp: bool = False) -> Any:
        page = new_page(browser, base_url, bypass_csp=bypass_csp)
        pages.append(page)
        return page

    yield make
    problems = [p for page in pages for p in page.problems]
    for page in pages:
        page.context.close()
    if problems:
        pytest.fail("problems in the browser:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(open_page: Any) -> Any:
    return open_page()


def assert_no_problems(page: Any) -> None:
    """Fail now (rather than at teardown) if the browser reported a problem so far."""
    assert not page.problems, "\n".join(page.problems)


def url_exists(path: str) -> bool:
    """Whether a URL pattern answers ``path`` (pages still being built are checked once
    they land on main)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?", maxsplit=1)[0])
    except Resolver404:
        return False
    return True


def goto_expecting(page: Any, path: str, status: int) -> Any:
    """Open ``path``, which must answer ``status`` (e.g. 404): not counted as a problem."""
    page.expected_errors.add(page.base_url + path)
    response = page.goto(path)
    assert response is not None, path
    assert response.status == status, (path, response.status)
    return response


def submit(page: Any, form: Any, *, button: str | None = None) -> Any:
    """Submit ``form`` (a locator) by its button, as a person does, and wait for the answer.

    Works whether htmx sends it (the POST's redirect is followed by the XHR and the page
    part swapped in) or the browser does (a plain POST and redirect). Returns the final
    response; a refusal shown next to the form fails the test with its text.
    """

    def answered(response: Any) -> bool:
        request = response.request
        if request.method == "POST":
            return not 300 <= response.status < 400
        source = request.redirected_from
        return source is not None and source.method == "POST"

    target = form.locator(
        f"button[type=submit][value='{button}']" if button else "button[type=submit]"
    )
    with page.expect_response(answered) as info:
        target.first.click()
    page.wait_for_load_state()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    refusals = page.locator("[role=alert].refusal")
    assert refusals.count() == 0, refusals.all_inner_texts()
    return info.value


def browser_login(page: Any, user: Any) -> None:
    """Log ``user`` in through the login form, and the TOTP step for team staff."""
    _ensure_verified_email(user)
    password = _ensure_password(user)
    secret = totp_secret(user) if user.memberships.exists() else ""
    page.context.clear_cookies()  # switching persona: start logged out
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if secret:
        assert "/accounts/2fa/authenticate/" in page.url, page.url
        page.locator("input[name=code]").fill(_fresh_code(user, secret))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.url
    assert "/2fa/" not in page.url, page.url
    assert_no_problems(page)


def screenshot(page: Any, name: str, *, max_height: int = 1400) -> None:
    """docs/screenshots/NAME.png (the page's top ``max_height`` pixels), written only when
    VULNDESK_SCREENSHOTS=1 so that ordinary runs leave the tree alone."""
    if os.environ.get("VULNDESK_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = min(max_height, int(page.evaluate("document.documentElement.scrollHeight")))
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
        animations="disabled",
        caret="hide",
    )
