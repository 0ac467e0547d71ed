"""The publication runner: registered steps run in order, each recorded, failures retried."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import Personas, build_report
from vulndesk.core.errors import TransitionRefused, ValidationFailed
from vulndesk.public import publication as pub
from vulndesk.public.models import AdvisoryRevision, PublicationStep, PublishedAdvisory
from vulndesk.public.services import advisory_revise, embargo_set
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State, TimelineEvent


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []
        self.fail: set[str] = set()

    def step(self, name: str) -> pub.StepFunc:
        def run(report: Report, context: pub.StepContext) -> dict[str, Any]:
            self.calls.append((name, report.key, context.revision))
            if name in self.fail:
                raise RuntimeError(f"{name} is down")
            return {"seen": sorted(context.results)}

        return run


@pytest.fixture(autouse=True)
def _only_the_runners_own_steps() -> Iterator[None]:
    """Set aside steps other apps register (cna's "cve-record" …): these tests watch the
    runner with stand-ins; each app tests its own step."""
    others = [s for s in pub.registered_steps() if s.name != "public-page"]
    for step in others:
        pub.unregister_step(step.name)
    yield
    for step in others:
        pub.register_step(step.name, step.func, order=step.order)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    # Only the built-in page step and these test steps: other apps' real steps
    # (e.g. mail's "announcement") are set aside for the test and put back after.
    others = [s for s in pub.registered_steps() if s.name != "public-page"]
    for step in others:
        pub.unregister_step(step.name)
    pub.register_step("test-announce", rec.step("test-announce"), order=20)
    pub.register_step("test-cve", rec.step("test-cve"), order=30)
    yield rec
    pub.unregister_step("test-announce")
    pub.unregister_step("test-cve")
    for step in others:
        pub.register_step(step.name, step.func, order=step.order)


def _published(personas: Personas, **kw: Any) -> Report:
    return build_report(personas, State.PUBLISHED, **kw)


def test_publishing_queues_one_row_per_step_and_runs_them_in_order(
    personas: Personas, recorder: Recorder
) -> None:
    report = _published(personas)
    rows = PublicationStep.objects.filter(report=report).order_by("order")
    assert [(r.name, r.status) for r in rows] == [
        ("public-page", "pending"),
        ("test-announce", "pending"),
        ("test-cve", "pending"),
    ]
    steps = pub.publication_run(report)
    assert [(s.name, s.status, s.attempts) for s in steps] == [
        ("public-page", "done", 1),
        ("test-announce", "done", 1),
        ("test-cve", "done", 1),
    ]
    assert [c[0] for c in recorder.calls] == ["test-announce", "test-cve"]
    # Later steps see earlier results.
    assert steps[2].result == {"seen": ["public-page", "test-announce"]}
    advisory = PublishedAdvisory.objects.get(report=report)
    assert advisory.title == "Path traversal in zipfile.Path"
    assert steps[0].result == {"url": f"/advisories/{report.cve_id}/", "revision": 1}
    actions = list(
        TimelineEvent.objects.filter(report=report, action="publication:step:done").values_list(
            "after__step", flat=True
        )
    )
    assert actions == ["public-page", "test-announce", "test-cve"]


def test_a_failed_step_stops_later_ones_and_a_retry_resumes_without_repeating(
    personas: Personas, recorder: Recorder
) -> None:
    report = _published(personas)
    recorder.fail.add("test-announce")
    steps = {s.name: s for s in pub.publication_run(report)}
    assert steps["public-page"].status == "done"
    assert steps["test-announce"].status == "failed"
    assert steps["test-announce"].last_error == "RuntimeError: test-announce is down"
    assert steps["test-cve"].status == "pending"  # waits: the CVE record comes after
    assert [c[0] for c in recorder.calls] == ["test-announce"]
    fail = TimelineEvent.objects.get(report=report, action="publication:step:fail")
    assert fail.note == "RuntimeError: test-announce is down"

    recorder.fail.clear()
    pub.publication_run_pending()
    steps = {s.name: s for s in pub.publication_status(report)}
    assert {n: s.status for n, s in steps.items()} == {
        "public-page": "done",
        "test-announce": "done",
        "test-cve": "done",
    }
    assert steps["test-announce"].attempts == 2
    assert steps["public-page"].attempts == 1  # done steps are not run again
    assert [c[0] for c in recorder.calls] == ["test-announce", "test-announce", "test-cve"]
    assert PublishedAdvisory.objects.filter(report=report).count() == 1


def test_a_running_step_is_not_run_twice_unless_stale(
    personas: Personas, recorder: Recorder
) -> None:
    report = _published(personas)
    PublicationStep.objects.filter(report=report, name="public-page").update(
        status="running", started_at=dt.datetime.now(dt.UTC)
    )
    steps = pub.publication_run(report)
    assert [s.status for s in steps] == ["running", "pending", "pending"]
    assert recorder.calls == []
    PublicationStep.objects.filter(report=report, name="public-page").update(
        started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    steps = pub.publication_run(report)
    assert [s.status for s in steps] == ["done", "done", "done"]


def test_publish_runs_the_steps_after_the_commit(
    personas: Personas, recorder: Recorder, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    report = build_report(personas, State.PUBLISHED, title="x")  # queued, not yet run
    assert recorder.calls == []
    fixed = build_report(personas, State.FIXED)
    rs.report_tell_reporter(fixed, actor=personas.member)
    rs.report_set_credit(fixed, actor=personas.reporter, wanted=False)
    rs.report_set_advisory(
        fixed,
        actor=personas.member,
        title="T",
        description="D",
        affected_versions="all",
        whole_project=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        rs.report_publish(fixed, actor=personas.member)
    assert [c[:2] for c in recorder.calls] == [
        ("test-announce", fixed.key),
        ("test-cve", fixed.key),
    ]
    assert PublishedAdvisory.objects.filter(report=fixed).exists()
    assert not PublishedAdvisory.objects.filter(report=report).exists()


def test_a_step_registered_later_is_added_to_already_published_reports(
    personas: Personas,
) -> None:
    report = _published(personas)
    pub.publication_run(report)
    calls: list[str] = []
    pub.register_step("late", lambda r, c: calls.append(r.key) or None, order=50)
    try:
        steps = pub.publication_run(report)
    finally:
        pub.unregister_step("late")
    names = [s.name for s in steps]  # other apps' registered steps may sit in between
    assert names[0] == "public-page"
    assert names[-1] == "late"
    assert calls == [report.key]


def test_register_step_replaces_same_name_and_orders_by_order(recorder: Recorder) -> None:
    names = [s.name for s in pub.registered_steps()]
    assert names.index("public-page") < names.index("test-announce") < names.index("test-cve")
    pub.register_step("test-announce", recorder.step("test-announce"), order=40)
    names = [s.name for s in pub.registered_steps()]
    assert names.index("test-cve") < names.index("test-announce")
    with pytest.raises(ValueError, match="1-64"):
        pub.register_step("", recorder.step("x"))


def test_embargo_refuses_publication_until_its_time_and_names_the_zone(
    personas: Personas,
) -> None:
    report = build_report(personas, State.FIXED)
    rs.report_tell_reporter(report, actor=personas.member)
    rs.report_set_credit(report, actor=personas.reporter, wanted=False)
    rs.report_set_advisory(
        report,
        actor=personas.member,
        title="T",
        description="D",
        affected_versions="all",
        whole_project=True,
    )
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    embargo = embargo_set(
        report,
        actor=personas.member,
        until=future.replace(tzinfo=None, microsecond=0),
        timezone="Europe/Berlin",
    )
    assert embargo is not None
    assert "(Europe/Berlin)" in embargo.display()
    with pytest.raises(TransitionRefused, match=r"under embargo until .* \(Europe/Berlin\)"):
        rs.report_publish(report, actor=personas.member)
    with pytest.raises(ValidationFailed, match="not a time zone"):
        embargo_set(report, actor=personas.member, until=future, timezone="Mars/Olympus")
    embargo_set(report, actor=personas.member, until=future - dt.timedelta(days=4))
    rs.report_publish(report, actor=personas.member)
    report.refresh_from_db()
    assert report.state == State.PUBLISHED


def test_revision_after_publication_reruns_steps_with_a_change_note(
    personas: Personas, recorder: Recorder
) -> None:
    report = _published(personas)
    pub.publication_run(report)
    with pytest.raises(ValidationFailed, match="change note"):
        advisory_revise(report, actor=personas.member, change_note=" ")
    rs_report = Report.objects.get(pk=report.pk)
    rev = advisory_revise(rs_report, actor=personas.member, change_note="Backported to 3.11.")
    assert rev == 2
    steps = pub.publication_run(report)
    assert [s.status for s in steps] == ["done", "done", "done"]
    assert recorder.calls[-2:] == [
        ("test-announce", report.key, 2),
        ("test-cve", report.key, 2),
    ]
    advisory = PublishedAdvisory.objects.get(report=report)
    assert advisory.revision == 2
    notes = list(
        AdvisoryRevision.objects.filter(advisory=advisory).values_list("number", "change_note")
    )
    assert notes == [(1, "Initial publication."), (2, "Backported to 3.11.")]


def test_revision_is_refused_before_publication(personas: Personas) -> None:
    report = build_report(personas, State.FIXED)
    with pytest.raises(TransitionRefused, match="not published"):
        advisory_revise(report, actor=personas.member, change_note="x")
