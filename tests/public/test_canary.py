"""Canary: a unique string in every field of an unpublished report (and its comments,
reporter, embargo) never appears on any public page, feed, search or security.txt; after
publication only the advisory's public fields do."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from tests.conftest import Personas, build_report
from tests.web import login
from vulndesk.public import publication as pub
from vulndesk.public.services import public_settings_update
from vulndesk.public.urls import urlpatterns as public_patterns
from vulndesk.reports import services as rs
from vulndesk.reports.models import Comment, Report, State

CANARY = "zq7canary"


def _canary_report(p: Personas, state: str) -> Report:
    report = build_report(
        p,
        state,
        title=f"{CANARY}-title",
        body=f"{CANARY}-body secret steps",
    )
    rs.comment_add(
        report,
        actor=p.member,
        body=f"{CANARY}-internal comment",
        visibility=Comment.Visibility.INTERNAL,
    )
    rs.comment_add(
        report, actor=p.reporter, body=f"{CANARY}-shared", visibility=Comment.Visibility.SHARED
    )
    Report.objects.filter(pk=report.pk).update(
        private_fix_url=f"https://example.test/{CANARY}-fork",
        cvss_vector="",
    )
    report.reporter.name = f"{CANARY}-reporter-name"
    report.reporter.save()
    return report


def _public_urls(keys: list[str]) -> list[str]:
    """Every public URL pattern, filled with each identifier the canary reports have."""
    urls = []
    for pattern in public_patterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if "<" not in route:
            urls.append("/" + route)
            continue
        for key in [*keys, CANARY]:
            filled = route.replace("<str:public_id>", key)
            filled = filled.replace("<slug:team>", "psrt").replace("<slug:project>", "cpython")
            filled = filled.replace("<int:year>", "2026").replace(
                "<str:name>", f"{key.lower()}.json"
            )
            urls.append("/" + filled)
    urls += [f"/advisories/?q={CANARY}", f"/advisories/?q={keys[0]}"]
    return sorted(set(urls))


def _body(response: Any) -> str:
    """What the response discloses (a search page echoes its own query: not a leak)."""
    content: bytes = response.content
    if response.get("Content-Type", "").startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(n).decode() for n in archive.namelist())
    text = content.decode()
    if "<main" in text:
        # The page itself; the header's nav and login links differ by who is logged in.
        text = text[text.index("<main") : text.index("</main>")]
    query = response.wsgi_request.GET.get("q", "")
    if query:
        text = text.replace(f'value="{query}"', "").replace(f"matches “{query}”", "")
    return text


@pytest.fixture
def site(personas: Personas) -> Personas:
    public_settings_update(
        personas.team,
        actor=personas.admin,
        contact=["mailto:security@example.test"],
        default_site=True,
    )
    return personas


def test_every_public_url_is_covered() -> None:
    names = {p.name for p in public_patterns if isinstance(p, URLPattern)}
    resolver_names = set(get_resolver().reverse_dict.keys())
    assert names <= resolver_names


@pytest.mark.parametrize(
    "state", [State.TRIAGE, State.ACCEPTED, State.FIXING, State.FIXED, State.REJECTED]
)
def test_unpublished_report_never_appears_publicly(site: Personas, state: str) -> None:
    report = _canary_report(site, state)
    keys = [report.key] + ([report.cve_id] if report.cve_id else [])
    client = Client()
    for url in _public_urls(keys):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert CANARY not in _body(response), url
        assert report.key not in _body(response), url
    assert client.get(f"/advisories/{report.key}/").status_code == 404


def test_published_but_steps_not_run_is_not_public_yet(site: Personas) -> None:
    report = _canary_report(site, State.PUBLISHED)  # queued, public-page not run
    client = Client()
    for url in _public_urls([report.key, report.cve_id]):
        assert CANARY not in _body(client.get(url)), url


def test_after_publication_only_public_fields_appear(site: Personas) -> None:
    report = _canary_report(site, State.PUBLISHED)
    other = _canary_report(site, State.FIXING)
    pub.publication_run(report)
    client = Client()
    page = client.get(f"/advisories/{report.cve_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Path traversal in zipfile.Path" in text  # advisory title, not the report's
    assert "Rita (finder)" in text
    for url in _public_urls([report.key, report.cve_id, other.key]):
        body = _body(client.get(url))
        assert CANARY not in body, url  # body, comments, reporter, private fork stay private
        assert other.key not in body, url
        assert "rita@example.test" not in body, url
    assert client.get(f"/advisories/?q={report.cve_id}").content.decode().count(report.cve_id)


def test_public_urls_show_the_same_to_every_role(site: Personas) -> None:
    """Logged-in people (team, collaborator, reporter, other team) see on the public site
    exactly what anonymous visitors see: never an unpublished report."""
    report = _canary_report(site, State.FIXED)
    rs.collaborator_invite(report, actor=site.member, user=site.collaborator)
    urls = _public_urls([report.key, report.cve_id])
    anonymous = {url: _body(Client().get(url)) for url in urls}
    for user in (
        site.admin,
        site.member,
        site.collaborator,
        site.reporter,
        site.other_reporter,
        site.other_admin,
    ):
        client = Client()
        login(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 404), (user, url)
            body = _body(response)
            assert CANARY not in body, (user, url)
            # security.txt's Expires, Atom's and CSAF's "updated" move with the clock.
            if not url.endswith(("security.txt", "feed.atom", "provider-metadata.json")):
                assert body == anonymous[url], (user, url)
