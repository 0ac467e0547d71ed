"""The desk's report page: who sees it, what it shows, and payloads rendered inert."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

pytestmark = pytest.mark.django_db


def page(key: str) -> str:
    return f"/desk/reports/{key}/"


def get(client: Client, user: Any, key: str) -> Any:
    if user is not None:
        login(client, user)
    return client.get(page(key))


@pytest.fixture
def report(personas: Personas, make_report: Callable[..., Report]) -> Report:
    report = make_report(State.TRIAGE)
    rs.collaborator_invite(report, actor=personas.admin, user=personas.collaborator)
    return report


@pytest.mark.parametrize("who", ["admin", "member", "member2", "collaborator"])
def test_team_and_invited_collaborator_see_the_page(
    client: Client, personas: Personas, report: Report, who: str
) -> None:
    response = get(client, getattr(personas, who), report.key)
    assert response.status_code == 200
    assert report.title in response.content.decode()


@pytest.mark.parametrize("who", ["reporter", "other_reporter", "other_admin"])
def test_others_get_404(client: Client, personas: Personas, report: Report, who: str) -> None:
    assert get(client, getattr(personas, who), report.key).status_code == 404


def test_anonymous_is_sent_to_login(client: Client, report: Report) -> None:
    response = client.get(page(report.key))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_unknown_key_is_404(client: Client, personas: Personas) -> None:
    assert get(client, personas.admin, "PSRT-2026-9999").status_code == 404


def test_collaborator_sees_only_the_report_invited_to(
    client: Client, personas: Personas, make_report: Callable[..., Report], report: Report
) -> None:
    other = make_report(State.TRIAGE, title="Another private report")
    login(client, personas.collaborator)
    assert client.get(page(report.key)).status_code == 200
    assert client.get(page(other.key)).status_code == 404


PAYLOAD = """# Crash in parser

<script>alert("body")</script>
<img src=x onerror="alert('img')">
[click me](javascript:alert('link'))
<a href="javascript:alert('raw')">raw link</a>
![pixel](javascript:alert('img2'))
"""


class LiveMarkup(HTMLParser):
    """Collects what a browser would act on: script elements, event handler attributes,
    and javascript:/data: URLs in href/src."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values.get("src") or "inline")
        if tag == "img":
            self.images.append(values.get("src") or "")
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")
            dangerous = ("javascript:", "data:", "vbscript:")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith(dangerous):
                self.urls.append(f"{tag} {name}={value}")


def test_body_payloads_are_inert(
    client: Client, personas: Personas, make_report: Callable[..., Report]
) -> None:
    report = make_report(State.NEW, body=PAYLOAD, title='<script>alert("title")</script>')
    rs.comment_add(report, actor=personas.admin, body=PAYLOAD, visibility="internal")
    html = get(client, personas.admin, report.key).content.decode()
    # As written: escaped in a <pre>.
    assert "&lt;script&gt;alert(&quot;body&quot;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in html
    # Nothing of the payload is live markup anywhere on the page.
    live = LiveMarkup()
    live.feed(html)
    assert live.scripts == ["/static/vulndesk/vendor/htmx-2.0.11.min.js"]
    assert live.handlers == []
    assert live.urls == []
    assert live.images == []  # the img payloads stayed text or lost their javascript: src
    # The rendered view exists and is sanitised Markdown.
    rendered = html.split('<div class="rendered">', 1)[1].split("</div>", 1)[0]
    assert "<h1>Crash in parser</h1>" in rendered
    assert "click me" in rendered


def test_page_shows_report_comments_and_timeline(
    client: Client, personas: Personas, report: Report
) -> None:
    rs.report_assign(report, actor=personas.admin, coordinator=personas.member)
    rs.comment_add(report, actor=personas.member, body="Internal thought", visibility="internal")
    rs.comment_add(report, actor=personas.member, body="Hello reporter", visibility="shared")
    html = get(client, personas.admin, report.key).content.decode()
    assert 'id="report-body"' in html
    assert "Steps to reproduce." in html
    assert "Internal: team and collaborators only" in html
    assert "Shared with the reporter" in html
    assert "report:coordinator:assign" in html  # the timeline
    assert "coordinator: — → bob" in html


def test_collaborator_sees_internal_comments_marked_internal(
    client: Client, personas: Personas, report: Report
) -> None:
    """DESIGN.md and reports.permissions: collaborators see internal notes (the reporter
    never does; the reporter has no desk page at all, see test_others_get_404)."""
    rs.comment_add(report, actor=personas.member, body="Internal thought", visibility="internal")
    html = get(client, personas.collaborator, report.key).content.decode()
    assert "Internal thought" in html
    article = html.split("Internal thought")[0].rsplit("<article", 1)[1]
    assert 'class="comment internal"' in article
    assert "You are an invited collaborator" in html


def test_attachments_are_listed_as_downloads(
    client: Client, personas: Personas, report: Report
) -> None:
    from vulndesk.mail.models import Attachment, RawMessage

    raw = RawMessage.objects.create(sha256="a" * 64, data=b"x", size=1, source="stdin")
    Attachment.objects.create(
        raw=raw,
        report=report,
        filename="poc<script>.py",
        content_type="text/x-python",
        size=12,
        sha256="b" * 64,
        data=b"print('poc')",
    )
    html = get(client, personas.member, report.key).content.decode()
    assert f'href="/mail/attachments/{report.key}/{"b" * 64}/" download' in html
    assert "poc&lt;script&gt;.py" in html


def test_long_timeline_shows_the_latest_events_and_links_to_all(
    client: Client, personas: Personas, report: Report
) -> None:
    from vulndesk.desk.selectors_report import TIMELINE_LATEST
    from vulndesk.reports.models import TimelineEvent

    TimelineEvent.objects.bulk_create(
        TimelineEvent(report=report, actor_label="bot", action="test:event", note=f"event {i}")
        for i in range(TIMELINE_LATEST + 5)
    )
    total = report.timeline.count()
    html = get(client, personas.member, report.key).content.decode()
    assert html.count("<code>test:event</code>") == TIMELINE_LATEST
    assert f"event {TIMELINE_LATEST + 4}</pre>" in html  # the latest is shown
    assert f"Show all {total} events" in html
    html = client.get(f"/desk/reports/{report.key}/?timeline=all").content.decode()
    assert html.count("<code>") >= total
    assert "report:create" in html


def test_page_makes_a_bounded_number_of_queries(
    client: Client,
    personas: Personas,
    make_report: Callable[..., Report],
    django_assert_max_num_queries: Any,
) -> None:
    report = make_report(State.FIXED)
    login(client, personas.admin)
    with django_assert_max_num_queries(25):
        assert client.get(page(report.key)).status_code == 200
