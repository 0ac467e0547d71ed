"""The desk inbox: a team's queues with counts, filters, search and keyset pages.

Thin: find the viewer's team (404 for anyone who staffs none, or for a team not
theirs), parse the filters, ask the selectors, render. An htmx request (the filter
form, a queue tab, the next-page link) gets the results part only; everything is a
plain GET that works without JavaScript too.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from vulndesk.accounts.models import User
from vulndesk.core.errors import NotFound
from vulndesk.desk.forms_inbox import InboxFilterForm
from vulndesk.desk.selectors_inbox import QUEUES, Row, desk_team, inbox_page, queue_counts


def _rows_html(rows: list[Row], report_base: str) -> SafeString:
    """The table's rows; every value goes through html.escape (what Django's escape does).

    Drawn here rather than in a template loop: with the template engine (or
    format_html) the 25 rows of 9 cells were most of the page's time
    (benchmarks/bench_desk.py).
    """
    e = html.escape
    lines = []
    for r in rows:
        key = e(r.key)
        coordinator = e(r.coordinator) if r.coordinator else '<span class="muted">nobody</span>'
        lines.append(
            f'<tr id="row-{key}"><td><a href="{e(report_base)}{key}/">{key}</a></td>'
            f"<td>{e(r.title)}</td><td>{e(r.project)}</td><td>{e(r.state_label)}</td>"
            f"<td>{e(r.severity)}</td><td>{e(r.cve_id)}</td><td>{coordinator}</td>"
            f'<td><time datetime="{r.created_at.isoformat()}">{r.created_at:%Y-%m-%d}</time>'
            "</td></tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped


def _tabs_html(tabs: list[dict[str, Any]]) -> SafeString:
    """The queue tabs, drawn like the rows (nine tabs of five values on every request)."""
    e = html.escape
    items = []
    for tab in tabs:
        q, url = tab["queue"], e(tab["url"])
        current = ' aria-current="page"' if tab["current"] else ""
        items.append(
            f'<li><a href="{url}" hx-get="{url}" hx-target="#inbox-results" hx-push-url="true" '
            f'title="{e(q.help)}"{current} id="queue-{e(q.slug)}">{e(q.label)} '
            f'<span class="count">{int(tab["count"])}</span></a></li>'
        )
    return mark_safe("\n".join(items))  # noqa: S308 - every value above is escaped


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required guarantees it
    return user


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        team, teams = desk_team(user, request.GET.get("team"))
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    form = InboxFilterForm(request.GET or None, team=team)
    queue = QUEUES[form.queue_slug()]
    filters = form.filters()
    page = inbox_page(team, user=user, queue=queue, filters=filters, after=request.GET.get("after"))
    counts = queue_counts(team, user=user)

    base = reverse("desk:inbox")
    # The query string of this view without the page: kept by queue tabs and paging.
    kept = {"team": team.slug} if len(teams) > 1 or request.GET.get("team") else {}
    filter_params = {
        name: value
        for name, value in (
            ("q", filters.q),
            ("project", filters.project),
            ("state", filters.state),
            ("severity", filters.severity),
            ("coordinator", filters.coordinator),
        )
        if value
    }
    tabs = [
        {
            "queue": q,
            "count": counts.by_queue[q.slug],
            "url": f"{base}?{urlencode({**kept, 'queue': q.slug, **filter_params})}",
            "current": q.slug == queue.slug,
        }
        for q in QUEUES.values()
    ]
    here = {**kept, "queue": queue.slug, **filter_params}
    selects = [
        {"field": form[name], "options": form.options(name)}
        for name in ("project", "state", "severity", "coordinator")
    ]
    context = {
        "team": team,
        "teams": teams,
        "nav_teams": teams,  # the header's team links: the same query, made once
        "form": form,
        "selects": selects,
        # Row links: the report page's URL with the key appended (one reverse, not 25).
        "rows_html": _rows_html(
            page.rows, reverse("desk:report", kwargs={"key": "KEY"}).removesuffix("KEY/")
        ),
        "queue": queue,
        "tabs_html": _tabs_html(tabs),
        "page": page,
        "filters": filters,
        "first_url": f"{base}?{urlencode(here)}",
        "next_url": f"{base}?{urlencode({**here, 'after': page.next_cursor})}"
        if page.next_cursor
        else "",
        "clear_url": f"{base}?{urlencode({**kept, 'queue': queue.slug})}",
    }
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    response = render(request, "desk/inbox_results.html" if partial else "desk/inbox.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
