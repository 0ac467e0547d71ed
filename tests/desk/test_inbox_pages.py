"""Keyset pages of the inbox: every report exactly once, whatever is filed meanwhile;
and the search index that keeps up with the rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.desk import search, selectors_inbox
from vulndesk.desk.selectors_inbox import Cursor
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report

ROW = re.compile(r'id="row-([A-Z0-9-]+)"')
NEXT = re.compile(r'id="inbox-next" rel="next" href="([^"]+)"')


def file_report(p: Personas, title: str = "A report", **kwargs: Any) -> Report:
    return rs.report_create(
        team=p.team, reporter_email=p.reporter.email, title=title, body="text", **kwargs
    )


def walk(client: Client, url: str, between: Any = None) -> list[str]:
    """Follow the "older" links from ``url`` to the end; ``between`` runs after each page."""
    seen: list[str] = []
    for _ in range(100):
        html = client.get(url).content.decode()
        seen += ROW.findall(html)
        if between:
            between()
        match = NEXT.search(html)
        if not match:
            return seen
        url = match[1].replace("&amp;", "&")
    raise AssertionError("no end of pages")


def test_pages_visit_every_report_once_while_reports_are_filed(
    client: Client, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors_inbox, "PAGE_SIZE", 4)
    p = personas
    reports = [file_report(p, f"Report {i}") for i in range(17)]
    # Ties on created_at: the id breaks them, so no row is skipped or repeated.
    same = reports[3].created_at
    Report.objects.filter(pk__in=[r.pk for r in reports[3:9]]).update(created_at=same)
    login(client, p.member)
    filed: list[Report] = []
    seen = walk(client, "/desk/", between=lambda: filed.append(file_report(p, "Meanwhile")))
    assert len(seen) == len(set(seen)), "a report appeared twice"
    assert set(seen) == {r.key for r in reports}  # the ones filed meanwhile are newer
    assert len(filed) == 5  # 17 reports at 4 a page
    # The newest page shows them.
    first = ROW.findall(client.get("/desk/").content.decode())
    assert first == [r.key for r in reversed(filed)][:4]


def test_pages_of_a_filtered_queue(
    client: Client, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors_inbox, "PAGE_SIZE", 3)
    p = personas
    matching = [file_report(p, f"Needle {i}") for i in range(7)]
    for i in range(5):
        file_report(p, f"Hay {i}")
    login(client, p.admin)
    seen = walk(client, "/desk/?queue=new&q=needle")
    assert seen == [r.key for r in reversed(matching)]


def test_page_links_keep_team_queue_and_filters(
    client: Client, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors_inbox, "PAGE_SIZE", 2)
    p = personas
    for i in range(3):
        file_report(p, f"Needle {i}", project=p.project)
    login(client, p.admin)
    html = client.get("/desk/", {"queue": "new", "q": "needle", "project": "cpython"}).content
    match = NEXT.search(html.decode())
    assert match
    url = match[1].replace("&amp;", "&")
    assert "queue=new" in url
    assert "q=needle" in url
    assert "project=cpython" in url
    assert "after=" in url
    assert "offset" not in url
    assert "page=" not in url


def test_a_bad_cursor_starts_at_the_newest(client: Client, personas: Personas) -> None:
    report = file_report(personas)
    login(client, personas.admin)
    for bad in ("x", "1-", "--2", "99999999999999999999-1", "1.5-3", "1-2-3"):
        response = client.get("/desk/", {"after": bad})
        assert response.status_code == 200
        assert ROW.findall(response.content.decode()) == [report.key]


def test_cursor_round_trips_exactly() -> None:
    at = dt.datetime(2026, 11, 28, 17, 3, 4, 123456, tzinfo=dt.UTC)
    cursor = Cursor(created_at=at, id=42)
    assert cursor.encode() == "1795885384123456-42"
    assert Cursor.decode(cursor.encode()) == cursor
    old = Cursor(created_at=dt.datetime(1960, 1, 1, tzinfo=dt.UTC), id=1)
    assert Cursor.decode(old.encode()) == old


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_search_index_is_repaired_when_a_table_rebuild_dropped_its_triggers(
    client: Client, personas: Personas
) -> None:
    """Django rebuilds a SQLite table to alter it, dropping its triggers; post-migrate
    puts them back and indexes what changed meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER desk_report_fts_insert")
    missed = file_report(personas, "Unindexed platypusbug")
    login(client, personas.admin)
    assert ROW.findall(client.get("/desk/", {"q": "platypusbug"}).content.decode()) == []
    assert search.ensure_index() is True
    assert search.ensure_index() is False  # idempotent
    found = ROW.findall(client.get("/desk/", {"q": "platypusbug"}).content.decode())
    assert found == [missed.key]
