"""Bad and over-long input is refused with a message naming the field and the limit,
on every database (SQLite would otherwise store it, PostgreSQL fail with a DataError)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LABELS, Personas, build_report
from vulndesk.accounts.services import project_create, team_create, user_create
from vulndesk.core.errors import ValidationFailed
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

LONG = "x" * 400


def test_an_over_long_title_is_refused_and_nothing_is_created(personas: Personas) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rs.report_create(team=personas.team, reporter_email="a@example.test", title="t" * 301)
    assert str(refused.value) == "The title is too long: 301 characters, at most 300 allowed."
    assert not Report.objects.exists()
    rs.report_create(team=personas.team, reporter_email="a@example.test", title="t" * 300)


@pytest.mark.parametrize(
    ("call", "what"),
    [
        (
            lambda p, r: rs.report_create(
                team=p.team, reporter_email="a@example.test", title="T", reporter_name=LONG
            ),
            "reporter's name",
        ),
        (
            lambda p, r: rs.report_create(
                team=p.team, reporter_email=f"{LONG}@example.test", title="T"
            ),
            "reporter's email address",
        ),
        (lambda p, r: rs.report_set_advisory(r, actor=p.member, title=LONG), "advisory title"),
        (
            lambda p, r: rs.report_set_credit(r, actor=p.reporter, wanted=True, name=LONG),
            "credit name",
        ),
        (
            lambda p, r: rs.report_add_pr(
                r, actor=p.member, url=f"https://github.com/{LONG}", labels=LABELS
            ),
            "PR URL",
        ),
        (
            lambda p, r: rs.report_add_pr(
                r, actor=p.member, url="https://github.com/a/b/pull/1", branch=LONG, labels=LABELS
            ),
            "branch",
        ),
        (
            lambda p, r: rs.report_add_pr(
                r,
                actor=p.member,
                url="https://github.com/a/b/pull/1",
                labels=[*LABELS, "l" * 51],
            ),
            "label",
        ),
        (
            lambda p, r: rs.report_set_fix(
                r, actor=p.member, approach="public", private_fix_url=f"https://x.test/{LONG}"
            ),
            "private fix URL",
        ),
    ],
)
def test_over_long_fields_are_refused_by_name(personas: Personas, call: Any, what: str) -> None:
    report = build_report(personas, State.FIXING)
    events = report.timeline.count()
    with pytest.raises(ValidationFailed, match=f"The {what}.* is too long: .* at most"):
        call(personas, report)
    assert report.timeline.count() == events


def test_a_label_of_fifty_characters_is_fine(personas: Personas) -> None:
    report = build_report(personas, State.FIXING)
    pr = rs.report_add_pr(
        report,
        actor=personas.member,
        url="https://github.com/a/b/pull/1",
        labels=[*LABELS, "l" * 50],
    )
    assert "l" * 50 in pr.labels


def test_an_over_long_cve_id_is_refused_as_malformed(personas: Personas) -> None:
    report = build_report(personas, State.ACCEPTED)
    with pytest.raises(ValidationFailed, match="is not a CVE ID"):
        rs.report_set_cve(report, actor=personas.member, cve_id="CVE-2026-" + "1" * 20)
    rs.report_set_cve(report, actor=personas.member, cve_id="CVE-2026-1234567")


def test_over_long_people_and_teams_are_refused(db: Any) -> None:
    with pytest.raises(ValidationFailed, match="The username is too long"):
        user_create(username="u" * 151, email="u@example.test")
    with pytest.raises(
        ValidationFailed, match="The team is not valid: name: Ensure this value has at most 200"
    ):
        team_create(slug="long", name=LONG, key_prefix="LONG")
    with pytest.raises(ValidationFailed, match="key_prefix: Use 2-12 capital letters"):
        team_create(slug="bad", name="Bad", key_prefix="P-1")
    team = team_create(slug="ok", name="OK", key_prefix="OK")
    with pytest.raises(ValidationFailed, match="The project is not valid: name: Ensure"):
        project_create(team, slug="p", name=LONG, actor=None)


@pytest.mark.parametrize("email", ["no-at-sign", "", "   "])
def test_a_reporter_needs_an_email_address(personas: Personas, email: str) -> None:
    with pytest.raises(ValidationFailed, match="is not an email address"):
        rs.report_create(team=personas.team, reporter_email=email, title="T")


def test_unknown_choices_are_refused_with_the_choices(personas: Personas) -> None:
    report = build_report(personas, State.ACCEPTED)
    with pytest.raises(ValidationFailed, match="Triage outcome must be one of: plausible"):
        rs.report_triage(report, actor=personas.admin, outcome="maybe")
    with pytest.raises(ValidationFailed, match="The fix approach must be one of: public, private"):
        rs.report_set_fix(report, actor=personas.member, approach="later")
    with pytest.raises(ValidationFailed, match="Source must be one of"):
        rs.report_create(
            team=personas.team, reporter_email="a@example.test", title="T", source="fax"
        )
    with pytest.raises(ValidationFailed, match="Visibility must be one of"):
        rs.comment_add(report, actor=personas.member, body="x", visibility="public")
    with pytest.raises(ValidationFailed, match="A comment needs some text"):
        rs.comment_add(report, actor=personas.member, body="  ")
