"""The dashboard's numbers against a hand-computed fixture, its pages, SVG and CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client

from tests.triage.conftest import Clock
from tests.web import login
from vulndesk.reports import services as rs
from vulndesk.triage.metrics import metrics_csv, nearest_rank, team_metrics

LABELS = ["security", "release-blocker"]


@pytest.fixture
def history(personas: Any, frozen_clock: Clock) -> dict[str, Any]:
    """Five reports, all arriving 2026-03-02 09:00 UTC, moved on at known times (days):

    A: triaged 1, coordinator 2, rejected 4.      B: spam 0.5.
    C: triaged 2, coordinator 3, accepted 6, fixed 20, published 30.
    D: still new.                                  E: misdirected 3.
    """
    p = personas
    start = frozen_clock.at

    def at(days: float) -> None:
        frozen_clock.at = start + __import__("datetime").timedelta(days=days)

    def new(title: str) -> Any:
        return rs.report_create(
            team=p.team, reporter_email=p.reporter.email, title=title, project=p.project
        )

    a, b, c, d, e = (new(t) for t in "ABCDE")
    at(0.5)
    rs.report_triage(b, actor=p.admin, outcome="spam")
    at(1)
    rs.report_triage(a, actor=p.admin, outcome="plausible")
    at(2)
    rs.report_assign(a, actor=p.admin, coordinator=p.member)
    rs.report_triage(c, actor=p.admin, outcome="plausible")
    at(3)
    rs.report_assign(c, actor=p.admin, coordinator=p.member)
    rs.report_triage(e, actor=p.admin, outcome="misdirected")
    at(4)
    rs.report_reject(a, actor=p.member, reason="Documented.")
    at(6)
    rs.report_accept(c, actor=p.member, cve_id="CVE-2026-1111")
    rs.report_set_severity(c, actor=p.member, severity="Medium")
    rs.report_set_fix(c, actor=p.member, approach="public")
    rs.report_tell_reporter(c, actor=p.member)
    rs.report_set_credit(c, actor=p.reporter, wanted=True, name="Rita")
    rs.report_set_advisory(
        c,
        actor=p.member,
        title="Bug in zipfile",
        description="Bad.",
        affected_versions="3.12",
        affected_components="zipfile",
    )
    url = "https://github.com/python/cpython/pull/1"
    rs.report_add_pr(c, actor=p.member, url=url, labels=LABELS)
    at(20)
    rs.report_merge_pr(c, actor=p.member, url=url)
    at(30)
    rs.report_publish(c, actor=p.member)
    at(40)
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_numbers_match_the_hand_computed_fixture(
    personas: Any, history: Any, frozen_clock: Clock
) -> None:
    m = team_metrics(personas.team, now=frozen_clock.at)
    assert m["total"] == 5
    assert m["by_state"] == {
        "new": 1, "published": 1, "spam": 1, "misdirected": 1, "rejected": 1,
    }  # fmt: skip
    assert m["junk_rate"] == 0.4  # spam + misdirected of 5
    assert m["durations"] == {
        # acknowledge: 0.5, 1, 2, 3 -> median 1.5; p90 = 4th of 4 = 3
        "acknowledge": {"count": 4, "median_days": 1.5, "p90_days": 3.0},
        "triage": {"count": 2, "median_days": 2.5, "p90_days": 3.0},
        "decision": {"count": 2, "median_days": 5.0, "p90_days": 6.0},
        "fix": {"count": 1, "median_days": 20.0, "p90_days": 20.0},
        "publish": {"count": 1, "median_days": 30.0, "p90_days": 30.0},
    }
    assert m["open_by_age"] == {
        "0-7 days": 0, "8-30 days": 0, "31-90 days": 1, "over 90 days": 0,
    }  # fmt: skip
    assert m["load"] == {"(none)": 1}
    assert m["by_severity"] == {"Medium": 1}
    assert m["by_project"] == {"CPython": 5}
    assert m["advisories_per_year"] == {2026: 1}
    assert m["advisories_per_project"] == {"CPython": 1}
    assert m["per_month"]["2026-04"] == {}
    assert m["per_month"]["2026-03"] == {
        "open": 1, "published": 1, "rejected": 1, "spam": 1, "misdirected": 1,
    }  # fmt: skip
    assert m["activity"] == [
        {"member": "alice", "coordinated": 0, "decided": 0, "published": 0},
        {"member": "bob", "coordinated": 2, "decided": 2, "published": 1},
        {"member": "carol", "coordinated": 0, "decided": 0, "published": 0},
    ]


def test_nearest_rank_percentile() -> None:
    assert nearest_rank([5, 1, 3, 2, 4, 6, 7, 8, 9, 10], 0.9) == 9
    assert nearest_rank([7], 0.9) == 7


def test_csv_export_carries_every_number(personas: Any, history: Any, frozen_clock: Clock) -> None:
    rows = list(csv.reader(io.StringIO(metrics_csv(team_metrics(personas.team)))))
    assert rows[0] == ["metric", "group", "value"]
    table = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert table[("junk_rate", "")] == "0.4"
    assert table[("time_to_acknowledge_median_days", "")] == "1.5"
    assert table[("time_to_publish_p90_days", "")] == "30.0"
    assert table[("reports_spam", "2026-03")] == "1"
    assert table[("activity_2026_coordinated", "bob")] == "2"
    assert table[("advisories_per_project", "CPython")] == "1"


def test_dashboard_page_renders_svg_and_csv_for_members(
    personas: Any, history: Any, client: Client
) -> None:
    login(client, personas.member)
    page = client.get("/teams/psrt/metrics/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") >= 6
    assert "Reports per month by outcome" in html
    # Charts are server-drawn SVG: no script of its own (base.html loads only htmx by src).
    assert all(tag.startswith("<script src=") for tag in re.findall(r"<script[^>]*>", html))
    export = client.get("/teams/psrt/metrics/metrics.csv")
    assert export.status_code == 200
    assert export["Content-Type"] == "text/csv"
    assert b"junk_rate,,0.4" in export.content


def test_chart_labels_are_escaped() -> None:
    from vulndesk.triage.charts import bar_chart

    svg = bar_chart("t", {"<script>alert(1)</script>": 3})
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
