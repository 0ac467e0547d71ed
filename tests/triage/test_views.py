"""Who may open the triage pages, and the actions behind them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web import login
from vulndesk.reports.models import State
from vulndesk.reports.services import collaborator_invite
from vulndesk.triage.models import ReporterFlag

DENIED = ("reporter", "other_reporter", "collaborator", "other_admin")


def urls(report: Any) -> list[str]:
    return [
        "/teams/psrt/triage/",
        f"/teams/psrt/triage/{report.key}/",
        "/teams/psrt/metrics/",
        "/teams/psrt/metrics/metrics.csv",
    ]


def test_anonymous_is_sent_to_login(personas: Any, new_report: Any, client: Client) -> None:
    for url in urls(new_report()):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"]


@pytest.mark.parametrize("who", DENIED)
def test_outsiders_get_404_even_when_invited(
    personas: Any, new_report: Any, client: Client, who: str
) -> None:
    report = new_report()
    collaborator_invite(report, actor=personas.admin, user=personas.collaborator)
    login(client, getattr(personas, who))
    for url in urls(report):
        assert client.get(url).status_code == 404, (who, url)
    response = client.post(
        f"/teams/psrt/triage/{report.key}/", {"action": "outcome", "outcome": "spam"}
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.state == State.NEW


@pytest.mark.parametrize("who", ["admin", "member", "member2"])
def test_team_sees_every_page(personas: Any, new_report: Any, client: Client, who: str) -> None:
    report = new_report("Odd json.loads_unsafe", "json.loads_unsafe")
    login(client, getattr(personas, who))
    for url in urls(report):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/teams/psrt/triage/{report.key}/").content.decode()
    assert "json.loads_unsafe" in page


def test_report_of_another_team_is_not_found_under_this_team(personas: Any, client: Client) -> None:
    from vulndesk.reports import services as rs

    foreign = rs.report_create(team=personas.other_team, reporter_email="a@b.test", title="x")
    login(client, personas.admin)
    assert client.get(f"/teams/psrt/triage/{foreign.key}/").status_code == 404
    login(client, personas.other_admin)
    assert client.get(f"/teams/other/triage/{foreign.key}/").status_code == 200


def test_member_cannot_triage_but_admin_can(personas: Any, new_report: Any, client: Client) -> None:
    report = new_report()
    url = f"/teams/psrt/triage/{report.key}/"
    login(client, personas.member)
    response = client.post(url, {"action": "outcome", "outcome": "spam"})
    assert response.status_code == 403
    assert "Only an admin" in response.content.decode()
    login(client, personas.admin)
    assert client.post(url, {"action": "outcome", "outcome": "bogus"}).status_code == 400
    assert client.post(url, {"action": "flag", "reason": "junk"}).status_code == 302
    assert ReporterFlag.objects.filter(team=personas.team).count() == 1
    assert client.post(url, {"action": "outcome", "outcome": "spam"}).status_code == 302
    report.refresh_from_db()
    assert report.state == State.SPAM
