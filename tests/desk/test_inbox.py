"""The desk inbox: each queue holds exactly its reports, counts agree, filters and search
narrow them, and nothing of another team ever appears."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas, build_report
from tests.web import login
from vulndesk.accounts.models import Membership
from vulndesk.accounts.services import project_create, team_add_member
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

ROW = re.compile(r'id="row-([A-Z0-9-]+)"')


def keys(response: Any) -> list[str]:
    assert response.status_code == 200, response.status_code
    return ROW.findall(response.content.decode())


def count_of(response: Any, queue: str) -> int:
    html = response.content.decode()
    match = re.search(rf'id="queue-{queue}">[^<]*<span class="count">(\d+)</span>', html)
    assert match, f"no count for {queue}"
    return int(match[1])


@dataclass
class World:
    p: Personas
    by_state: dict[str, Report]
    accepted_complete: Report
    carols: Report  # in triage, coordinated by member2
    other: Report  # another team's, with the same words


@pytest.fixture
def world(personas: Personas) -> World:
    p = personas
    by_state = {state: build_report(p, state) for state in State.values}
    complete = build_report(p, State.ACCEPTED, title="Accepted with CVE and severity")
    rs.report_set_cve(complete, actor=p.member, cve_id="CVE-2026-30001")
    rs.report_set_severity(complete, actor=p.member, severity="High")
    carols = build_report(p, State.TRIAGE, title="Carol coordinates this one")
    rs.report_assign(carols, actor=p.admin, coordinator=p.member2)
    other = rs.report_create(
        team=p.other_team,
        reporter_email=p.other_reporter.email,
        title="A report that is new in another team",
        body="Steps to reproduce.",
        actor=p.other_reporter,
    )
    return World(p, by_state, complete, carols, other)


def expected(w: World) -> dict[str, set[str]]:
    s = {state: r.key for state, r in w.by_state.items()}
    return {
        "new": {s["new"]},
        "mine": {s["accepted"], s["fixing"], s["fixed"], w.accepted_complete.key},
        "awaiting": {s["triage"], w.carols.key},
        "incomplete": {s["accepted"]},
        "fixing": {s["fixing"]},
        "ready": {s["fixed"]},
        "published": {s["published"]},
        "closed": {s["spam"], s["misdirected"], s["rejected"], s["withdrawn"]},
        "all": {*s.values(), w.accepted_complete.key, w.carols.key},
    }


def test_each_queue_holds_exactly_its_reports_and_counts_agree(
    client: Client, world: World
) -> None:
    login(client, world.p.member)
    want = expected(world)
    for queue, reports in want.items():
        response = client.get("/desk/", {"queue": queue})
        got = keys(response)
        assert len(got) == len(set(got)), queue
        assert set(got) == reports, queue
        for other_queue, other_reports in want.items():
            assert count_of(response, other_queue) == len(other_reports), other_queue


def test_mine_is_the_viewers_own(client: Client, world: World) -> None:
    login(client, world.p.member2)
    response = client.get("/desk/", {"queue": "mine"})
    assert keys(response) == [world.carols.key]
    assert count_of(response, "mine") == 1


def test_default_queue_is_all_newest_first(client: Client, world: World) -> None:
    login(client, world.p.admin)
    got = keys(client.get("/desk/"))
    newest_first = list(
        Report.objects.filter(team=world.p.team)
        .order_by("-created_at", "-id")
        .values_list("key", flat=True)
    )
    assert got == newest_first


def test_counts_follow_a_change(client: Client, world: World) -> None:
    login(client, world.p.admin)
    assert count_of(client.get("/desk/"), "new") == 1
    rs.report_triage(world.by_state["new"], actor=world.p.admin, outcome="plausible")
    response = client.get("/desk/")
    assert count_of(response, "new") == 0
    assert count_of(response, "awaiting") == 3


def test_filters_by_project_state_severity_and_coordinator(client: Client, world: World) -> None:
    p = world.p
    pip = project_create(p.team, slug="pip", name="pip", actor=p.admin)
    in_pip = rs.report_create(
        team=p.team, reporter_email=p.reporter.email, title="pip report", project=pip
    )
    login(client, p.member)
    assert keys(client.get("/desk/", {"project": "pip"})) == [in_pip.key]
    assert set(keys(client.get("/desk/", {"state": "fixing"}))) == {world.by_state["fixing"].key}
    assert keys(client.get("/desk/", {"severity": "High"})) == [world.accepted_complete.key]
    assert keys(client.get("/desk/", {"coordinator": "carol"})) == [world.carols.key]
    unassigned = keys(client.get("/desk/", {"coordinator": "none"}))
    assert set(unassigned) == {
        r.key for r in Report.objects.filter(team=p.team, coordinator__isnull=True)
    }
    assert in_pip.key in unassigned
    # Filters combine with the queue and each other.
    assert keys(client.get("/desk/", {"queue": "closed", "state": "spam"})) == [
        world.by_state["spam"].key
    ]
    assert keys(client.get("/desk/", {"queue": "new", "state": "fixing"})) == []


def test_a_filter_value_of_another_team_is_refused_not_applied(
    client: Client, world: World
) -> None:
    p = world.p
    project_create(p.other_team, slug="otherproj", name="Other project", actor=p.other_admin)
    login(client, p.member)
    response = client.get("/desk/", {"project": "otherproj", "coordinator": "zed"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert len(keys(response)) == len(expected(world)["all"])  # dropped, not applied


def test_a_search_too_long_is_refused_next_to_the_box_and_the_queue_still_shows(
    client: Client, world: World
) -> None:
    login(client, world.p.member)
    response = client.get("/desk/", {"q": "x" * 201, "queue": "closed"})
    html = response.content.decode()
    assert "Ensure this value has at most 200 characters (it has 201)." in html
    assert 'name="q" value=""' in html  # not applied
    assert set(keys(response)) == expected(world)["closed"]


def test_search_finds_title_body_and_comment_words(client: Client, world: World) -> None:
    p = world.p
    by_title = rs.report_create(
        team=p.team, reporter_email=p.reporter.email, title="Heap overflow in zlibwrapper"
    )
    by_body = rs.report_create(
        team=p.team,
        reporter_email=p.reporter.email,
        title="Crash",
        body="The tarfile extraction follows symlinks outside the target.",
    )
    by_comment = world.by_state["fixing"]
    rs.comment_add(by_comment, actor=p.member, body="Looks like the quokkafilter regression.")
    # Another team's reports hold every word; they must never show.
    for text in ("zlibwrapper", "tarfile symlinks", "quokkafilter"):
        rs.report_create(
            team=p.other_team,
            reporter_email=p.other_reporter.email,
            title=f"Other team {text}",
            body=text,
        )
    login(client, p.member)
    assert keys(client.get("/desk/", {"q": "zlibwrapper"})) == [by_title.key]
    assert keys(client.get("/desk/", {"q": "zlibwr"})) == [by_title.key]  # a prefix
    assert keys(client.get("/desk/", {"q": "TARFILE symlinks"})) == [by_body.key]
    assert keys(client.get("/desk/", {"q": "quokkafilter"})) == [by_comment.key]
    assert keys(client.get("/desk/", {"q": "quokkafilter", "queue": "new"})) == []
    assert keys(client.get("/desk/", {"q": "tarfile quokkafilter"})) == []  # every word
    assert keys(client.get("/desk/", {"q": by_body.key})) == [by_body.key]
    assert keys(client.get("/desk/", {"q": world.other.key})) == []
    # Only words count: FTS syntax and SQL in the query are text, not operators.
    assert keys(client.get("/desk/", {"q": 'zlibwrapper") OR *'})) == []  # "or" is a word
    assert keys(client.get("/desk/", {"q": 'zlibwrapper"); --'})) == [by_title.key]


def test_search_sees_an_edited_title_and_never_another_team(client: Client, world: World) -> None:
    p = world.p
    report = world.by_state["new"]
    Report.objects.filter(pk=report.pk).update(title="Renamed to wombatparser")
    login(client, p.other_admin)
    assert keys(client.get("/desk/", {"q": "wombatparser"})) == []
    login(client, p.member)
    assert keys(client.get("/desk/", {"q": "wombatparser"})) == [report.key]


def test_another_teams_admin_sees_only_their_team(client: Client, world: World) -> None:
    login(client, world.p.other_admin)
    response = client.get("/desk/")
    assert keys(response) == [world.other.key]
    assert count_of(response, "all") == 1
    assert client.get("/desk/", {"team": "psrt"}).status_code == 404


@pytest.mark.parametrize("persona", ["reporter", "other_reporter", "collaborator"])
def test_people_without_a_team_get_404(client: Client, world: World, persona: str) -> None:
    p = world.p
    rs.collaborator_invite(world.by_state["fixing"], actor=p.member, user=p.collaborator)
    login(client, getattr(p, persona))
    assert client.get("/desk/").status_code == 404


def test_anonymous_is_sent_to_log_in(client: Client, world: World) -> None:
    response = client.get("/desk/?queue=new")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_member_of_two_teams_switches_between_them(client: Client, world: World) -> None:
    p = world.p
    team_add_member(p.other_team, user=p.member, role=Membership.Role.MEMBER, actor=p.other_admin)
    login(client, p.member)
    first = client.get("/desk/")  # the first team by slug: "other"
    assert keys(first) == [world.other.key]
    html = first.content.decode()
    assert 'href="?team=psrt"' in html
    assert 'href="?team=other"' in html
    assert set(keys(client.get("/desk/", {"team": "psrt"}))) == expected(world)["all"]
    assert client.get("/desk/", {"team": "nope"}).status_code == 404


def test_htmx_gets_the_results_part_only(client: Client, world: World) -> None:
    login(client, world.p.member)
    response = client.get("/desk/", {"queue": "closed"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="inbox-filters"' not in html
    assert "<html" not in html
    assert set(ROW.findall(html)) == expected(world)["closed"]
    assert "HX-Request" in response["Vary"]
    full = client.get("/desk/", {"queue": "closed"})
    assert 'id="inbox-filters"' in full.content.decode()
    restore = client.get("/desk/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert 'id="inbox-filters"' in restore.content.decode()


def test_page_works_without_javascript(client: Client, world: World) -> None:
    """Plain links and a GET form: every control has an href or a form action."""
    login(client, world.p.member)
    html = client.get("/desk/").content.decode()
    assert '<form id="inbox-filters"' in html
    assert 'method="get"' in html
    for label_for in ("inbox-q", "id_project", "id_state", "id_severity", "id_coordinator"):
        assert f'for="{label_for}"' in html
    for queue in expected(world):
        assert re.search(rf'<a href="/desk/\?queue={queue}"[^>]*id="queue-{queue}"', html)


def test_row_values_are_escaped(client: Client, personas: Personas) -> None:
    """The rows are drawn in Python (for speed): every value must still be escaped."""
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    report = rs.report_create(
        team=personas.team, reporter_email=personas.reporter.email, title=hostile
    )
    login(client, personas.member)
    html = client.get("/desk/").content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x" in html
    assert f'<a href="/desk/reports/{report.key}/">{report.key}</a>' in html


def test_plain_sql_lookups_agree_with_the_orm(world: World) -> None:
    """The inbox's per-request lookups are plain SQL for speed; they must say what the
    ORM says, for a user in two teams, and change whenever a report changes."""
    from vulndesk.accounts.models import Team, User
    from vulndesk.desk.selectors_inbox import _version, desk_teams, filter_choices

    p = world.p
    team_add_member(p.other_team, user=p.member, actor=p.other_admin)
    project_create(p.team, slug="aaa", name="Alpha", actor=p.admin)
    for user in (p.member, p.admin, p.other_admin, p.reporter):
        expected_teams = Team.objects.filter(memberships__user=user).order_by("slug")
        got = desk_teams(user)
        assert [(t.pk, t.slug, t.name) for t in got] == [
            (t.pk, t.slug, t.name) for t in expected_teams
        ]
    assert len(desk_teams(p.member)) == 2
    assert desk_teams(p.member)[0].key_prefix == Team.objects.get(slug="other").key_prefix
    for team in (p.team, p.other_team):
        projects, members = filter_choices(team)
        assert projects == list(team.projects.order_by("name").values_list("slug", "name"))
        assert members == [
            (u.username, u.display_name)
            for u in User.objects.filter(memberships__team=team).order_by("username")
        ]
    assert filter_choices(p.team)[0][0] == ("aaa", "Alpha")
    before = _version(p.team)
    assert " " not in before  # a valid cache key on every backend
    rs.report_set_severity(world.accepted_complete, actor=p.member, severity="Low")
    assert _version(p.team) != before
    assert _version(p.other_team) != _version(p.team)
