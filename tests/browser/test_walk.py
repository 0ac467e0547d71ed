"""The web desk end to end in a real browser (issue 3, acceptance point 2).

A reporter without an account files a report through the private form and confirms it
by the link mailed to them; the team admin triages it on the desk and names a
coordinator; the coordinator comments (one internal note, one reply shared with the
reporter), invites a collaborator and accepts the report; the reporter then sees the
shared reply in the portal but never the internal note; the collaborator sees the report
they are invited to and gets 404 for another report of the team.
"""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import (
    assert_no_problems,
    browser_login,
    goto_expecting,
    submit,
    url_exists,
)
from tests.conftest import Personas, build_report
from vulndesk.mail.models import OutboxMessage
from vulndesk.reports.models import Report, State

EMAIL = "nadia@reporter.example"
TITLE = "Heap overflow in _json.scanstring with long surrogate runs"
INTERNAL = "Internal note: reproduced on 3.13, looks like the scanner's buffer math."
SHARED = "Thank you for the report: we reproduced it and are working on a fix."


def _link(body: str, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]*)", body)
    assert match, body
    return match.group(1)


def _open_from_inbox(page: Any, key: str) -> None:
    """Find the report in the desk's inbox (its "new" queue) and open it."""
    if not url_exists("/desk/"):  # the inbox is not on main yet: open the report page directly
        page.goto(f"/desk/reports/{key}/")
        return
    page.goto("/desk/")
    if page.locator("#queue-new").count():
        page.locator("#queue-new").click()
        page.wait_for_load_state()
    page.get_by_role("link", name=key, exact=True).first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/desk/reports/{key}/"), page.url


def test_report_from_form_to_acceptance(personas: Personas, open_page: Any) -> None:
    p = personas
    elsewhere = build_report(p, State.TRIAGE, title="A report the collaborator is not invited to")

    # 1. A reporter without an account files through the private form.
    reporter = open_page()
    reporter.goto("/report/")
    reporter.get_by_role("link", name=p.team.name, exact=True).click()
    reporter.wait_for_load_state()
    form = reporter.locator("form.report-form")
    form.get_by_label("Title").fill(TITLE)
    form.get_by_label("Affected project").select_option(label=p.project.name)
    form.get_by_label("Affected component").fill("_json.scanstring")
    form.get_by_label("Versions tested").fill("3.13.1 and main")
    form.get_by_label(re.compile(r"^Description")).fill("scanstring overflows its buffer.")
    form.get_by_label("Proof of concept").fill(
        "import json\njson.loads('\"' + '\\\\ud800' * 10**6)"
    )
    form.get_by_label("Impact and threat model").fill("Any service parsing untrusted JSON.")
    form.get_by_label("Your email address").fill(EMAIL)
    submit(reporter, form)
    assert "/sent/" in reporter.url
    assert not Report.objects.filter(title=TITLE).exists()  # nothing filed before confirming

    # The confirmation link from the outbox files it and opens the reporter's portal.
    mail = OutboxMessage.objects.filter(to=[EMAIL]).latest("pk")
    reporter.goto(_link(mail.body, "/report/verify/"))
    submit(reporter, reporter.locator("main form"))
    report = Report.objects.get(title=TITLE)
    assert reporter.url.endswith(f"/portal/reports/{report.key}/")
    assert report.state == State.NEW

    # 2. The admin finds it in the desk's inbox, triages it and names a coordinator.
    admin = open_page()
    browser_login(admin, p.admin)
    _open_from_inbox(admin, report.key)
    assert admin.url.endswith(f"/desk/reports/{report.key}/")
    triage = admin.locator("#form-triage")
    triage.get_by_label("Plausible").check()
    submit(admin, triage)
    assign = admin.locator("#form-assign")
    assign.get_by_label("Coordinator").select_option(p.member.username)
    submit(admin, assign)
    report.refresh_from_db()
    assert report.state == State.TRIAGE
    assert report.coordinator == p.member

    # 3. The coordinator notes, replies, invites a collaborator and accepts.
    member = open_page()
    browser_login(member, p.member)
    member.goto(f"/desk/reports/{report.key}/")
    comment = member.locator("#form-comment")
    comment.get_by_label("Comment").fill(INTERNAL)
    comment.get_by_label("Internal (team").check()
    submit(member, comment)
    comment = member.locator("#form-comment")
    comment.get_by_label("Comment").fill(SHARED)
    comment.get_by_label("Shared with the reporter").check()
    submit(member, comment)
    invite = member.locator("#form-invite")
    invite.get_by_label("Email address of the collaborator").fill(p.collaborator.email)
    submit(member, invite)
    submit(member, member.locator("#form-accept"))
    report.refresh_from_db()
    assert report.state == State.ACCEPTED
    page = member.locator("#comments").inner_text()
    assert INTERNAL in page
    assert SHARED in page

    # 4. The reporter sees the shared reply in the portal, never the internal note.
    reporter.goto("/portal/")
    reporter.get_by_role("link", name=re.compile(re.escape(report.key))).first.click()
    reporter.wait_for_load_state()
    text = reporter.locator("main").inner_text()
    assert SHARED in text
    assert "Accepted" in text  # the state in plain words
    assert INTERNAL not in reporter.content()
    assert "reproduced on 3.13" not in reporter.content()

    # 5. The collaborator sees the report they are invited to, and nothing else.
    collaborator = open_page()
    browser_login(collaborator, p.collaborator)
    collaborator.goto(f"/desk/reports/{report.key}/")
    assert TITLE in collaborator.locator("h1").inner_text()
    goto_expecting(collaborator, f"/desk/reports/{elsewhere.key}/", 404)
    assert elsewhere.title not in collaborator.content()
    if url_exists("/desk/"):
        goto_expecting(collaborator, "/desk/", 404)  # collaborators have no inbox
    for page in (reporter, admin, member, collaborator):
        assert_no_problems(page)
