"""The desk inbox: a team's queues with counts, filters, search and keyset pages.

Thin: find the viewer's team (404 for anyone who staffs none, or for a team not
theirs), parse the filters, ask the selectors, render. An htmx request (the filter
form, a queue tab, the next-page link) gets the results part only; everything is a
plain GET that works without JavaScript too.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from vulndesk.accounts.models import User
from vulndesk.core.errors import NotFound
from vulndesk.desk.forms_inbox import InboxFilterForm
from vulndesk.desk.selectors_inbox import QUEUES, Row, desk_team, inbox_page, queue_counts

ROW_HTML = (
    '<tr id="row-{key}"><td><a href="{url}">{key}</a></td><td>{title}</td><td>{project}</td>'
    "<td>{state}</td><td>{severity}</td><td>{cve_id}</td><td>{coordinator}</td>"
    '<td><time datetime="{iso}">{day}</time></td></tr>'
)


def _rows_html(rows: list[Row], report_base: str) -> SafeString:
    """The table's rows, every value escaped by format_html.

    Drawn here rather than in a template loop: 25 rows of 9 cells are most of the
    page's rendering time with the template engine (benchmarks/bench_desk.py).
    """
    return format_html_join(
        "\n",
        ROW_HTML,
        (
            {
                "key": r.key,
                "url": f"{report_base}{r.key}/",
                "title": r.title,
                "project": r.project,
                "state": r.state_label,
                "severity": r.severity,
                "cve_id": r.cve_id,
                "coordinator": r.coordinator or format_html('<span class="muted">nobody</span>'),
                "iso": r.created_at.isoformat(),
                "day": f"{r.created_at:%Y-%m-%d}",
            }
            for r in rows
        ),
    )


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
        "tabs": tabs,
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
