"""The CVSS calculator pages: scoring without JavaScript, JSON for live updates, access."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import build_report
from tests.web import login
from vulndesk.reports.models import Report, State

V31 = {"version": "3.1", "AV": "N", "AC": "L", "PR": "N", "UI": "N", "S": "U",
       "C": "H", "I": "H", "A": "H"}  # fmt: skip


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        login(client, user)
    return client


def test_anonymous_is_sent_to_log_in(db: Any) -> None:
    response = _client().get("/cvss/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_form_submitted_without_javascript_is_scored(personas: Any) -> None:
    response = _client(personas.member).get("/cvss/", V31)
    assert response.status_code == 200
    html = response.content.decode()
    assert "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" in html
    assert '<strong id="cvss-score">9.8</strong>' in html
    assert '<strong id="cvss-severity">Critical</strong>' in html
    assert 'name="AV" value="N" checked' in html


def test_live_update_gets_json_and_missing_metric_is_named(personas: Any) -> None:
    client = _client(personas.member)
    v4 = {"version": "4.0", "AV": "L", "AC": "L", "AT": "P", "PR": "H", "UI": "A", "VC": "H",
          "VI": "H", "VA": "N", "SC": "N", "SI": "N", "SA": "N", "format": "json"}  # fmt: skip
    assert client.get("/cvss/", v4).json() == {
        "vector": "CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:A/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N",
        "score": 5.3, "severity": "Medium", "error": "",
    }  # fmt: skip
    partial = {k: v for k, v in V31.items() if k != "AC"} | {"format": "json"}
    assert client.get("/cvss/", partial).json()["error"] == (
        "Choose a value for Attack Complexity (AC)."
    )
    bad = client.get("/cvss/", {"vector": "CVSS:3.1/AV:Z", "format": "json"}).json()
    assert "AV:Z" in bad["error"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("member", 200), ("collaborator", 404), ("reporter", 404),
     ("other_reporter", 404), ("other_admin", 404), (None, 302)],
)  # fmt: skip
def test_report_calculator_is_for_the_team_only(
    personas: Any, who: str | None, status: int
) -> None:
    from vulndesk.reports import services as rs

    report = build_report(personas, State.ACCEPTED)
    rs.collaborator_invite(report, actor=personas.member, user=personas.collaborator)
    user = getattr(personas, who) if who else None
    response = _client(user).get(f"/cvss/{report.key}/")
    assert response.status_code == status
    if status == 200:
        assert report.key in response.content.decode()
    post = _client(user).post(f"/cvss/{report.key}/", {"vector": V31_VECTOR})
    assert post.status_code == (302 if status == 200 else status)


V31_VECTOR = "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"


def test_member_saves_the_vector_as_the_report_severity(personas: Any) -> None:
    report = build_report(personas, State.ACCEPTED)
    client = _client(personas.member)
    response = client.post(f"/cvss/{report.key}/", {"vector": V31_VECTOR})
    assert response.status_code == 302
    report = Report.objects.get(pk=report.pk)
    assert (report.severity, report.cvss_vector) == ("Medium", V31_VECTOR)
    assert report.timeline.filter(action="report:severity:set").exists()
    refused = client.post(f"/cvss/{report.key}/", {"vector": V31_VECTOR, "severity": "High"})
    assert refused.status_code == 400
    assert "say why" in refused.content.decode()
