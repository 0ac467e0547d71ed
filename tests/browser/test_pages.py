"""The main pages open in a real browser without a console error, page error or CSP
violation, on a demo-like year of work (tests/browser/dataset.py); with
VULNDESK_SCREENSHOTS=1 they are kept as docs/screenshots/*.png (see docs/desk.md)."""

from __future__ import annotations

from typing import Any

from tests.browser import dataset
from tests.browser.conftest import assert_no_problems, browser_login, screenshot, url_exists
from vulndesk.core import clock
from vulndesk.public.models import PublishedAdvisory
from vulndesk.reports.models import Report, State


def test_main_pages(db: Any, open_page: Any) -> None:
    data = dataset.build()
    with clock.frozen(dataset.NOW):
        visitor = open_page()
        visitor.goto("/advisories/")
        newest = PublishedAdvisory.objects.order_by("-published_at").first()
        assert newest is not None
        assert visitor.get_by_role("link", name=newest.public_id).is_visible()
        screenshot(visitor, "public-index", max_height=1000)

        visitor.get_by_role("link", name=newest.public_id).click()
        visitor.wait_for_load_state()
        assert visitor.url.endswith(f"/advisories/{newest.public_id}/")
        assert newest.title in visitor.get_by_role("heading", level=1).inner_text()
        screenshot(visitor, "public-advisory")
        assert_no_problems(visitor)

        admin = open_page()
        browser_login(admin, data["people"]["alice"])
        admin.goto("/teams/psrt/metrics/")
        assert admin.locator("svg").count() >= 5  # the dashboard's charts
        screenshot(admin, "metrics", max_height=1900)

        featured = Report.objects.get(state=State.FIXING, collaborators__user__username="erin")
        # The desk's inbox (once it is on main), then the report page.
        if url_exists("/desk/"):
            admin.goto("/desk/")
            assert admin.locator("tr[id^=row-]").count() >= 1
            screenshot(admin, "inbox", max_height=1200)
        # The desk's report page: the demo's report in fixing (comments, a collaborator).
        admin.goto(f"/desk/reports/{featured.key}/")
        assert admin.locator("#comments .comment").count() >= 1
        screenshot(admin, "report", max_height=1600)

        # The reporter's side: the private form as a visitor sees it, and the portal.
        visitor.goto("/report/psrt/")
        assert visitor.get_by_role("button", name="Send report").is_visible()
        screenshot(visitor, "report-form")
        reporter = open_page()
        browser_login(reporter, data["people"]["rita"])
        reporter.goto("/portal/")
        assert reporter.get_by_role("link", name=featured.key).count() >= 1
        screenshot(reporter, "portal", max_height=1000)
        reporter.goto(f"/portal/reports/{featured.key}/")
        assert featured.title in reporter.locator("h1").inner_text()
        screenshot(reporter, "portal-report")
