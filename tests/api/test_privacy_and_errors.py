"""What each caller sees, the problem object, pagination, and the docs page."""

from __future__ import annotations

import datetime as dt

from tests.api.conftest import Api
from vulndesk.core import clock
from vulndesk.reports import services as rs


def test_reporter_token_sees_only_their_reports_and_shared_comments(personas, tokens, make_report):
    mine = make_report("triage")
    rs.report_assign(mine, actor=personas.admin, coordinator=personas.member)
    rs.comment_add(mine, actor=personas.member, body="INTERNAL: looks real", visibility="internal")
    rs.comment_add(mine, actor=personas.member, body="Thanks, we are on it.", visibility="shared")
    rs.report_triage(
        theirs := rs.report_create(
            team=personas.team, reporter_email="oscar@example.test", title="Oscar's", actor=None
        ),
        actor=personas.admin,
        outcome="plausible",
        note="INTERNAL triage note",
    )
    rita, oscar = Api(tokens["reporter"]), Api(tokens["other_reporter"])

    assert [r["key"] for r in rita.get("/reports").body["items"]] == [mine.key]
    assert [r["key"] for r in oscar.get("/reports").body["items"]] == [theirs.key]
    assert rita.get(f"/reports/{theirs.key}").status == 404
    assert oscar.get(f"/reports/{mine.key}").status == 404

    seen = rita.get(f"/reports/{mine.key}")
    text = str(seen.body)
    assert "INTERNAL" not in text
    assert "Thanks, we are on it." in text
    assert "collaborators" not in seen.body or seen.body["collaborators"] is None
    assert [c["visibility"] for c in rita.get(f"/reports/{mine.key}/comments").body] == ["shared"]
    assert "INTERNAL" not in str(oscar.get(f"/reports/{theirs.key}/timeline").body)
    assert rita.get(f"/reports/{mine.key}/collaborators").status == 403
    # The team sees both comments.
    assert len(Api(tokens["member"]).get(f"/reports/{mine.key}/comments").body) == 2


def test_other_team_and_uninvited_collaborator_see_nothing(personas, tokens, make_report):
    report = make_report("fixing")
    for role in ("other_admin", "collaborator"):
        caller = Api(tokens[role])
        assert caller.get("/reports").body["items"] == []
        reply = caller.get(f"/reports/{report.key}")
        assert reply.status == 404
        assert reply.body == {
            "status": 404,
            "code": "not_found",
            "title": "Not Found",
            "detail": f"There is no report {report.key}.",
        }
    rs.collaborator_invite(report, actor=personas.member, user=personas.collaborator)
    seen = Api(tokens["collaborator"]).get(f"/reports/{report.key}")
    assert seen.status == 200
    assert seen.body["collaborators"] == ["erin@example.test"]


def test_anonymous_callers_get_public_advisories_only(personas, make_report):
    published = make_report("published")
    fixed = make_report("fixed")
    anyone = Api()
    assert anyone.get("/reports").status == 401
    assert anyone.get("/reports").body["code"] == "unauthenticated"
    assert anyone.get(f"/reports/{published.key}").status == 401
    assert [a["key"] for a in anyone.get("/advisories").body["items"]] == [published.key]
    assert anyone.get(f"/advisories/{fixed.key}").status == 404


def test_refused_transition_is_409_with_the_guards_reason(personas, tokens, make_report):
    report = make_report("new")
    reply = Api(tokens["admin"]).post(f"/reports/{report.key}/publish")
    assert reply.status == 409
    assert reply.body["code"] == "transition_refused"
    assert reply.body["title"] == "Conflict"
    assert reply.body["detail"].startswith(f"{report.key} is new and cannot become published")


def test_bad_input_is_422_naming_the_field(personas, tokens, make_report):
    report = make_report("triage")
    admin = Api(tokens["admin"])
    reply = admin.post(f"/reports/{report.key}/triage", {"outcome": "maybe"})
    assert reply.status == 422
    assert reply.body["code"] == "invalid"
    assert "outcome" in reply.body["detail"]
    assert reply.body["errors"][0]["loc"][-1] == "outcome"
    bad_vector = admin.post(
        f"/reports/{make_report('accepted').key}/severity", {"cvss_vector": "CVSS:3.1/AV:X"}
    )
    assert bad_vector.status == 422
    assert "Bad CVSS vector" in bad_vector.body["detail"]
    malformed = admin.client.post(
        f"/api/v1/reports/{report.key}/triage",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert malformed.status_code in (400, 422)
    assert malformed.json()["code"] in ("bad_request", "invalid")


def test_cursor_pagination_walks_every_report_once(personas, tokens, make_report, monkeypatch):
    start = clock.now()
    keys = []
    for i in range(7):
        at = start + dt.timedelta(seconds=i // 2)  # pairs share a timestamp
        monkeypatch.setattr(clock, "now", lambda at=at: at)
        keys.append(make_report("new").key)
    member = Api(tokens["member"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        reply = member.get("/reports", **query)
        assert reply.status == 200
        seen += [r["key"] for r in reply.body["items"]]
        pages += 1
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(keys))
    assert member.get("/reports", state="new", limit=2).body["items"][0]["key"] == keys[-1]
    assert member.get("/reports", state="fixing").body["items"] == []
    bad = member.get("/reports", cursor="garbage!!")
    assert bad.status == 422
    assert "cursor" in bad.body["detail"]


def test_openapi_description_and_docs_page_are_served(db):
    client = Api().client
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "vulndesk API"
    assert "/api/v1/reports/{key}/publish" in schema["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()  # assets are served locally


def test_nul_characters_are_refused_not_a_server_error(personas, tokens, make_report):
    """Found by schemathesis on PostgreSQL: text columns cannot hold NUL."""
    member = Api(tokens["member"])
    reply = member.post("/reports", {"team": "psrt", "title": "a\x00b"})
    assert reply.status == 422
    assert "NUL" in reply.body["detail"]
    assert member.post("/reports", {"team": "psrt", "title": "\ud800"}).status == 422
    assert member.get("/reports", state="x\x00").status == 422
    assert member.get("/reports/PSRT-2026-0001%00").status == 422
