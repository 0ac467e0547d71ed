"""The main pages open in a real browser without a console error, page error or CSP
violation, on the demo's data; with VULNDESK_SCREENSHOTS=1 they are kept as
docs/screenshots/*.png (see docs/desk.md)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_no_problems, browser_login, screenshot
from vulndesk.accounts.models import User
from vulndesk.core.demo import demo_load
from vulndesk.public.models import PublishedAdvisory


def test_public_site_and_triage_metrics_on_the_demo(db: Any, open_page: Any) -> None:
    demo_load()
    advisory = PublishedAdvisory.objects.get()
    visitor = open_page()

    visitor.goto("/advisories/")
    assert visitor.get_by_role("link", name=advisory.public_id).is_visible()
    screenshot(visitor, "public-index")

    visitor.get_by_role("link", name=advisory.public_id).click()
    visitor.wait_for_load_state()
    assert visitor.url.endswith(f"/advisories/{advisory.public_id}/")
    assert visitor.get_by_role("heading", level=1).inner_text()
    screenshot(visitor, "public-advisory")
    assert_no_problems(visitor)

    admin = open_page()
    browser_login(admin, User.objects.get(username="alice"))
    admin.goto("/teams/psrt/metrics/")
    assert admin.locator("svg").count() >= 1
    screenshot(admin, "metrics")
