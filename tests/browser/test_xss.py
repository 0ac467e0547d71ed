"""A report whose title, body, comments and advisory hold script, HTML and Markdown-link
payloads renders inert on every page that shows it: nothing runs (``window.__pwned`` stays
undefined, no dialog opens) and no live element comes out of the payloads.

Each page is checked twice: once with the Content-Security-Policy switched off in the
browser, so that escaping and sanitising alone must keep the payloads inert, and once
with it on, where a payload reaching the DOM as markup would also show as a CSP violation
(the ``page`` fixture fails the test on any).
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_no_problems, browser_login, url_exists
from tests.conftest import Personas, build_report
from vulndesk.public.models import PublishedAdvisory
from vulndesk.reports import services as rs
from vulndesk.reports.models import Comment, State

MARK = "XSSMARK"
PAYLOADS = [
    f"<script>window.__pwned='script';alert('{MARK} script')</script>",
    f"<img src=x onerror=\"window.__pwned='img';alert('{MARK} img')\">",
    f"<svg onload=\"window.__pwned='svg';alert('{MARK} svg')\"></svg>",
    f"<svg><script>window.__pwned='svg-script'</script></svg> {MARK}",
    f"[{MARK} link](javascript:window.__pwned='md-link';alert(1))",
    f"[{MARK} spaced link]( JaVaScRiPt:window.__pwned='md-link2')",
    f"![{MARK} image](javascript:window.__pwned='md-image')",
    f"<a href=\"javascript:window.__pwned='a'\">{MARK} anchor</a>",
    f"<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe> {MARK}",
    f"\"><script>window.__pwned='attr'</script><x y=\" {MARK}",
    f"<details open ontoggle=\"window.__pwned='toggle'\">{MARK}</details>",
    f'<a href="data:text/html,<script>alert(1)</script>">{MARK} data link</a>',
]
TITLE = f"{MARK} <script>window.__pwned='title'</script><img src=x onerror=window.__pwned='t'>"
BODY = "\n\n".join(PAYLOADS)

# Inert means: no script without src, no event-handler attribute, no javascript:/data:
# link, no iframe, and the flag the payloads set stays undefined.
INERT_CHECK = """() => {
  const bad = [];
  document.querySelectorAll('script:not([src])').forEach(e => bad.push('inline script'));
  document.querySelectorAll('iframe, embed, object').forEach(e => bad.push(e.tagName));
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      if (a.name.startsWith('on')) bad.push(e.tagName + ' ' + a.name);
      const v = a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name)
          && (v.startsWith('javascript:') || v.startsWith('data:text')))
        bad.push(e.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  return {pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned), bad};
}"""


def _existing(paths: list[str]) -> list[str]:
    """The paths a URL pattern answers (pages still being built are added when they land)."""
    return [path for path in paths if url_exists(path)]


def _hostile_reports(p: Personas) -> dict[str, Any]:
    new = rs.report_create(
        team=p.team,
        reporter_email=p.reporter.email,
        title=TITLE,
        body=BODY,
        project=p.project,
        actor=p.reporter,
    )
    open_ = build_report(p, State.FIXING, title=TITLE, body=BODY)
    rs.collaborator_invite(open_, actor=p.member, user=p.collaborator)
    rs.comment_add(open_, actor=p.member, body=f"internal {BODY}")
    rs.comment_add(
        open_, actor=p.member, body=f"shared {BODY}", visibility=Comment.Visibility.SHARED
    )
    published = build_report(p, State.FIXED, title=TITLE, body=BODY)
    rs.report_tell_reporter(published, actor=p.member)
    rs.report_set_credit(published, actor=p.reporter, wanted=True, name=PAYLOADS[1])
    rs.report_set_advisory(
        published,
        actor=p.member,
        title=TITLE,
        description=BODY,
        affected_versions=PAYLOADS[0],
        affected_components=PAYLOADS[2],
        mitigations=PAYLOADS[4],
    )
    rs.report_publish(published, actor=p.member)
    advisory = PublishedAdvisory.objects.get(report=published)
    return {"new": new, "open": open_, "published": published, "advisory": advisory}


def _check(page: Any, path: str) -> None:
    response = page.goto(path)
    assert response is not None, path
    assert response.ok, (path, response.status)
    page.wait_for_load_state("load")
    assert MARK in page.content(), f"{path} does not show the hostile report"
    result = page.evaluate(INERT_CHECK)
    assert result == {"pwned": None, "bad": []}, (path, result)
    assert_no_problems(page)


def test_hostile_report_is_inert_on_every_page(personas: Personas, open_page: Any) -> None:
    r = _hostile_reports(personas)
    team_pages = _existing(
        [
            f"/desk/reports/{r['new'].key}/",
            f"/desk/reports/{r['open'].key}/",
            f"/desk/reports/{r['published'].key}/",
            "/desk/",
            f"/desk/?q={MARK}",
            "/teams/psrt/triage/",
            f"/teams/psrt/triage/{r['new'].key}/",
            f"/teams/psrt/triage/{r['open'].key}/",
        ]
    )
    collaborator_pages = _existing([f"/desk/reports/{r['open'].key}/"])
    reporter_pages = _existing(
        [
            "/portal/",
            f"/portal/reports/{r['new'].key}/",
            f"/portal/reports/{r['open'].key}/",
            f"/portal/reports/{r['published'].key}/",
        ]
    )
    public_pages = [
        "/advisories/",
        f"/advisories/?q={MARK}",
        f"/advisories/{r['advisory'].public_id}/",
        "/projects/psrt/cpython/",
    ]
    assert len(team_pages) >= 5  # the desk report page and the triage pages at least
    for bypass_csp in (True, False):
        for persona, pages in (
            (personas.admin, team_pages),
            (personas.collaborator, collaborator_pages),
            (personas.reporter, reporter_pages),
            (None, public_pages),
        ):
            if not pages:
                continue
            page = open_page(bypass_csp=bypass_csp)
            if persona is not None:
                browser_login(page, persona)
            for path in pages:
                _check(page, path)
