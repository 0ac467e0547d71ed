"""The whole transition table: every allowed move and every refused one.

Two levels: ``change_state`` itself for every (from, to) pair of states, and every
user-facing service action in every state.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from tests.conftest import LABELS, Personas
from tests.reports.conftest import ready_report
from vulndesk.core.errors import ApplicationError, TransitionRefused
from vulndesk.reports import services as rs
from vulndesk.reports.models import FixPR, Report, State
from vulndesk.reports.workflow import MILESTONES, TRANSITIONS, change_state

OPEN = [State.NEW, State.TRIAGE, State.ACCEPTED, State.FIXING, State.FIXED]

# The edges of DESIGN.md's diagram and psrt-process.txt, written out by hand.
DESIGN_EDGES = {
    (State.NEW, State.TRIAGE),  # admin triage: plausible
    (State.NEW, State.SPAM),
    (State.NEW, State.MISDIRECTED),
    (State.TRIAGE, State.ACCEPTED),  # coordinator decides
    (State.TRIAGE, State.REJECTED),  # not a vulnerability
    (State.REJECTED, State.TRIAGE),  # reopen rejected, with new evidence
    (State.ACCEPTED, State.FIXING),  # CVE ID + severity + fix approach
    (State.FIXING, State.FIXED),  # PR merged
    (State.FIXED, State.PUBLISHED),  # advisory complete, announcement sent
    *((state, State.WITHDRAWN) for state in OPEN),  # withdrawn <- any open state
}
# Decision 0002: a new fix PR (a backport) on a fixed report makes it fixing again.
EXTRA_EDGES = {(State.FIXED, State.FIXING)}


def table_edges() -> set[tuple[str, str]]:
    return {(a, b) for a, targets in TRANSITIONS.items() for b in targets}


def test_the_table_is_the_design_diagram() -> None:
    assert table_edges() == DESIGN_EDGES | EXTRA_EDGES


def test_every_state_has_a_row_and_final_states_have_no_way_out() -> None:
    assert set(TRANSITIONS) == set(State.values)
    for state in (State.PUBLISHED, State.SPAM, State.MISDIRECTED, State.WITHDRAWN):
        assert TRANSITIONS[state] == {}
    # Rejected is closed but not final: it can be reopened, and only that.
    assert set(TRANSITIONS[State.REJECTED]) == {State.TRIAGE}


class _Undo(Exception):  # noqa: N818 - a signal, not an error
    """Raised to roll a savepoint back, so one built report serves every attempt."""


def attempt(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a savepoint that is always rolled back; return its result or error."""
    outcome: Any = None
    try:
        with transaction.atomic():
            try:
                outcome = fn()
            except ApplicationError as exc:
                outcome = exc
            raise _Undo
    except _Undo:
        pass
    return outcome


def _check_move(p: Personas, report: Report, source: str, target: str) -> str | None:
    """Try ``source -> target`` through ``change_state``; describe what is wrong, if anything."""
    allowed = (source, target) in table_edges()
    events = report.timeline.count()

    def move() -> tuple[Report, Any, Any]:
        report.refresh_from_db()
        change_state(report, to=target, actor=p.admin, note="test")
        report.refresh_from_db()
        return report.state, report.timeline.last(), getattr(report, MILESTONES.get(target, "pk"))

    outcome = attempt(move)
    report.refresh_from_db()
    if allowed:
        if isinstance(outcome, Exception):
            return f"{source}->{target} refused: {outcome}"
        state, last, milestone = outcome
        if state != target or milestone is None:
            return f"{source}->{target} did not move or stamp its date"
        if (last.action, last.before, last.after, last.actor) != (
            "report:state:change",
            {"state": source},
            {"state": target},
            p.admin,
        ):
            return f"{source}->{target} wrote no proper timeline event"
        return None
    if not isinstance(outcome, TransitionRefused):
        return f"{source}->{target} was not refused"
    message = str(outcome)
    if report.key not in message or "cannot become" not in message:
        return f"{source}->{target} refused without saying why: {message}"
    if "from here it can:" not in message:
        return f"{source}->{target} refusal does not say what is possible: {message}"
    if report.state != source or report.timeline.count() != events:
        return f"{source}->{target} left a trace"
    return None


@pytest.mark.parametrize("source", State.values)
def test_change_state_from_each_state_to_every_state(personas: Personas, source: str) -> None:
    report = ready_report(personas, source)
    if source == State.ACCEPTED:
        # Through the services the last of these moves it on (decision 0002); here the
        # data is set behind the services' back to test the table alone.
        Report.objects.filter(pk=report.pk).update(
            cve_id="CVE-2026-39999", severity="Medium", fix_approach="public"
        )
    if source == State.FIXING:
        FixPR.objects.create(
            report=report, url=_pr_url(report), labels=LABELS, merged_at=report.created_at
        )
    report.refresh_from_db()
    problems = [_check_move(personas, report, source, target) for target in State.values]
    assert [problem for problem in problems if problem] == []


def test_refusal_names_the_move_that_was_asked(personas: Personas) -> None:
    report = ready_report(personas, State.NEW)
    with pytest.raises(TransitionRefused) as refused, transaction.atomic():
        change_state(report, to=State.PUBLISHED, actor=personas.admin, verb="publish")
    assert str(refused.value) == (
        f"{report.key} is new and cannot become published (asked to publish); from here it "
        "can: triage as plausible, close as spam, close as misdirected, withdraw."
    )


def test_final_state_says_nothing_is_possible(personas: Personas) -> None:
    report = ready_report(personas, State.SPAM)
    with pytest.raises(TransitionRefused, match=r"from here it can: nothing \(it is final\)"):
        rs.report_withdraw(report, actor=personas.admin, reason="Oops.")


# ------------------------------------------------------------------ every action, every state

_cve = itertools.count(30000)

Action = Callable[[Personas, Report], Any]


def _pr_url(report: Report) -> str:
    return f"https://github.com/python/cpython/pull/{9000 + report.number}"


ACTIONS: dict[str, Action] = {
    "triage": lambda p, r: rs.report_triage(r, actor=p.admin, outcome="plausible"),
    "spam": lambda p, r: rs.report_triage(r, actor=p.admin, outcome="spam", note="Spam."),
    "misdirected": lambda p, r: rs.report_triage(r, actor=p.admin, outcome="misdirected"),
    "assign": lambda p, r: rs.report_assign(
        r, actor=p.admin, coordinator=p.member2, reason="Bob is on vacation."
    ),
    "accept": lambda p, r: rs.report_accept(r, actor=p.admin),
    "reject": lambda p, r: rs.report_reject(r, actor=p.admin, reason="Works as documented."),
    "reopen": lambda p, r: rs.report_reopen(r, actor=p.admin, reason="New proof of concept."),
    "withdraw": lambda p, r: rs.report_withdraw(r, actor=p.admin, reason="Duplicate."),
    "set-cve": lambda p, r: rs.report_set_cve(r, actor=p.admin, cve_id=f"CVE-2026-{next(_cve)}"),
    "set-severity": lambda p, r: rs.report_set_severity(r, actor=p.admin, severity="Low"),
    "set-fix": lambda p, r: rs.report_set_fix(r, actor=p.admin, approach="public"),
    "set-advisory": lambda p, r: rs.report_set_advisory(
        r, actor=p.admin, mitigations="Do not open untrusted archives."
    ),
    "tell-reporter": lambda p, r: rs.report_tell_reporter(r, actor=p.admin),
    "add-pr": lambda p, r: rs.report_add_pr(r, actor=p.admin, url=_pr_url(r), labels=LABELS),
    "publish": lambda p, r: rs.report_publish(r, actor=p.admin),
    "invite": lambda p, r: rs.collaborator_invite(r, actor=p.admin, user=p.collaborator),
    "comment": lambda p, r: rs.comment_add(r, actor=p.admin, body="A note."),
    "set-credit": lambda p, r: rs.report_set_credit(r, actor=p.reporter, wanted=False),
}

DECIDED = [State.ACCEPTED, State.FIXING, State.FIXED]
# state -> {action: the state the report is in afterwards}; every other pair is refused.
EXPECTED: dict[str, dict[str, str]] = {state: {} for state in State.values}
for _state in State.values:
    EXPECTED[_state]["comment"] = _state
    EXPECTED[_state]["set-credit"] = _state
del EXPECTED[State.SPAM]["comment"]  # spam takes no comments
del EXPECTED[State.PUBLISHED]["set-credit"]  # the published credit is final
EXPECTED[State.NEW].update(triage=State.TRIAGE, spam=State.SPAM, misdirected=State.MISDIRECTED)
EXPECTED[State.TRIAGE].update(accept=State.ACCEPTED, reject=State.REJECTED)
EXPECTED[State.REJECTED].update(reopen=State.TRIAGE)
for _state in OPEN:
    EXPECTED[_state].update(withdraw=State.WITHDRAWN, assign=_state, invite=_state)
EXPECTED[State.REJECTED]["assign"] = State.REJECTED  # it may be reopened: keep a coordinator
for _state in DECIDED:
    EXPECTED[_state].update(
        {"set-cve": _state, "set-severity": _state, "set-fix": _state, "set-advisory": _state}
    )
# The built accepted report has neither CVE ID nor severity: telling the reporter waits.
EXPECTED[State.FIXING]["tell-reporter"] = State.FIXING
EXPECTED[State.FIXED]["tell-reporter"] = State.FIXED
# Once the reporter was told a CVE ID it stays (the ready fixed report was told).
del EXPECTED[State.FIXED]["set-cve"]
EXPECTED[State.FIXING]["add-pr"] = State.FIXING
EXPECTED[State.FIXED]["add-pr"] = State.FIXING  # a backport PR reopens the fix
EXPECTED[State.FIXED]["publish"] = State.PUBLISHED


def _check_action(p: Personas, report: Report, state: str, action: str) -> str | None:
    events = report.timeline.count()
    expected = EXPECTED[state].get(action)

    def act() -> tuple[str, int]:
        report.refresh_from_db()
        ACTIONS[action](p, report)
        report.refresh_from_db()
        return report.state, report.timeline.count()

    outcome = attempt(act)
    report.refresh_from_db()
    if expected is not None:
        if isinstance(outcome, Exception):
            return f"{action} in {state} refused: {outcome}"
        if outcome[0] != expected:
            return f"{action} in {state} gave {outcome[0]}, not {expected}"
        if outcome[1] <= events:
            return f"{action} in {state} wrote no timeline event"
        return None
    if not isinstance(outcome, ApplicationError):
        return f"{action} in {state} was not refused"
    message = str(outcome)
    if len(message) < 20 or (report.key not in message and "published" not in message):
        return f"{action} in {state} refused without a clear reason: {message}"
    if report.state != state or report.timeline.count() != events:
        return f"{action} in {state} left a trace"
    return None


@pytest.mark.parametrize("state", State.values)
def test_every_action_in_every_state(personas: Personas, state: str) -> None:
    report = ready_report(personas, state)
    problems = [_check_action(personas, report, state, action) for action in ACTIONS]
    assert [problem for problem in problems if problem] == []
