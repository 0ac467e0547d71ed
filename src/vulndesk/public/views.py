"""The public site: published advisories, project pages, search, feeds, security.txt.

Anonymous. Every view reads through public.selectors (PublishedAdvisory only)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vulndesk.core import clock
from vulndesk.core.errors import NotFound

from . import feeds, selectors
from .services import public_settings_get


def _base_url(request: HttpRequest) -> str:
    team = selectors.site_team()
    if team is not None:
        configured = public_settings_get(team).base_url
        if configured:
            return configured.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
def advisory_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    page = Paginator(selectors.advisory_search(query), 50).get_page(request.GET.get("page"))
    return render(request, "public/advisory_list.html", {"page": page, "query": query})


@require_GET
def advisory_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        advisory = selectors.advisory_get(public_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "public/advisory_detail.html",
        {
            "advisory": advisory,
            "revisions": advisory.revisions.order_by("-number"),
            "components": [c for c in advisory.affected_components.splitlines() if c.strip()],
        },
    )


@require_GET
def project_page(request: HttpRequest, team: str, project: str) -> HttpResponse:
    try:
        proj = selectors.project_get(team, project)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    advisories = selectors.published_advisories().filter(project=proj)
    return render(request, "public/project.html", {"project": proj, "advisories": advisories})


@require_GET
def atom(request: HttpRequest) -> HttpResponse:
    advisories = list(selectors.published_advisories().order_by("-modified_at")[:100])
    body = feeds.atom_feed(advisories, base_url=_base_url(request), title="Security advisories")
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@require_GET
def osv_one(request: HttpRequest, public_id: str) -> JsonResponse:
    try:
        advisory = selectors.advisory_get(public_id.removeprefix("x_"))
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return JsonResponse(feeds.osv_record(advisory), json_dumps_params={"indent": 2})


@require_GET
def osv_all(request: HttpRequest) -> JsonResponse:
    records = [feeds.osv_record(a) for a in selectors.published_advisories()]
    return JsonResponse(records, safe=False)


@require_GET
def osv_zip(request: HttpRequest) -> HttpResponse:
    """All records as one zip of <id>.json, the layout OSV importers read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for advisory in selectors.published_advisories():
            record = feeds.osv_record(advisory)
            archive.writestr(f"{record['id']}.json", json.dumps(record, indent=2))
    return HttpResponse(buffer.getvalue(), content_type="application/zip")


@require_GET
def security_txt(request: HttpRequest) -> HttpResponse:
    team = selectors.site_team()
    if team is None:
        raise Http404("No team is set as this site's default.")
    body = feeds.security_txt(public_settings_get(team), base_url=_base_url(request))
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


def _csaf_advisories() -> list[Any]:
    team = selectors.site_team()
    if team is None:
        raise Http404("No team is set as this site's default.")
    return [a for a in selectors.published_advisories().filter(team=team) if a.csaf]


@require_GET
def csaf_index(request: HttpRequest) -> HttpResponse:
    lines = sorted(feeds.csaf_path(a) for a in _csaf_advisories())
    return HttpResponse("".join(f"{line}\n" for line in lines), content_type="text/plain")


@require_GET
def csaf_changes(request: HttpRequest) -> HttpResponse:
    rows = sorted(
        ((feeds.csaf_path(a), a.modified_at) for a in _csaf_advisories()),
        key=lambda row: row[1],
        reverse=True,
    )
    body = "".join(f'"{path}","{feeds._ts(at)}"\n' for path, at in rows)
    return HttpResponse(body, content_type="text/csv")


@require_GET
def csaf_document(request: HttpRequest, year: int, name: str) -> JsonResponse:
    for advisory in _csaf_advisories():
        if feeds.csaf_path(advisory) == f"{year}/{name}":
            return JsonResponse(advisory.csaf, json_dumps_params={"indent": 2})
    raise Http404("There is no such CSAF document.")


@require_GET
def csaf_provider_metadata(request: HttpRequest) -> JsonResponse:
    team = selectors.site_team()
    if team is None:
        raise Http404("No team is set as this site's default.")
    latest = selectors.published_advisories().filter(team=team).order_by("-modified_at").first()
    data = feeds.csaf_provider_metadata(
        public_settings_get(team),
        base_url=_base_url(request),
        last_updated=latest.modified_at if latest else clock.now(),
    )
    return JsonResponse(data, json_dumps_params={"indent": 2})
