"""Builders for the workflow tests: reports whose guards are satisfied for the next move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Personas, build_report
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State


def ready_report(p: Personas, state: str, *, severity: str = "Medium") -> Report:
    """A report in ``state`` that satisfies every guard of the moves out of it.

    Open reports before a decision get ``p.member`` as coordinator; a fixed report also
    has its reporter told, the credit answered and the advisory written (ready to publish).
    """
    report = build_report(p, state, severity=severity)
    if state in (State.NEW, State.TRIAGE):
        rs.report_assign(report, actor=p.admin, coordinator=p.member)
    if state == State.FIXED:
        rs.report_tell_reporter(report, actor=p.member)
        rs.report_set_credit(report, actor=p.reporter, wanted=True, name="Rita R.")
        rs.report_set_advisory(
            report,
            actor=p.member,
            title="Path traversal in zipfile.Path",
            description="Crafted names escape the target directory.",
            affected_versions="Python 3.12 and earlier",
            affected_components="zipfile.Path",
        )
    report.refresh_from_db()
    assert report.state == state
    return report


@pytest.fixture
def ready(personas: Personas) -> Callable[..., Report]:
    def make(state: str, **kwargs: Any) -> Report:
        return ready_report(personas, state, **kwargs)

    return make
