"""Triage fixtures: a movable clock and the labelled corpus loaded as reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.triage import corpus
from vulndesk.core import clock
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report


class Clock:
    """``clock.now`` pinned to a time the test moves forward."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    monkeypatch.setattr(clock, "now", fake)
    return fake


@dataclass
class Loaded:
    reports: dict[str, Report]
    labels: dict[str, str]  # name -> valid | junk | misdirected | duplicate


@pytest.fixture
def loaded_corpus(personas: Any) -> Loaded:
    reports: dict[str, Report] = {}
    labels: dict[str, str] = {}

    def add(name: str, label: str, title: str, body: str, sender: str) -> None:
        reports[name] = rs.report_create(
            team=personas.team,
            reporter_email=sender,
            title=title,
            body=body,
            project=personas.project,
        )
        labels[name] = label

    for name, (title, body) in corpus.VALID.items():
        add(name, "valid", title, body, f"{name}@researcher.test")
    for name, (title, body) in corpus.JUNK.items():
        add(name, "junk", title, body, f"{name}@junk.test")
    for name, (title, body) in corpus.MISDIRECTED.items():
        add(name, "misdirected", title, body, f"{name}@lost.test")
    for name, (_original, title, body) in corpus.DUPLICATES.items():
        add(name, "duplicate", title, body, f"{name}@second.test")
    return Loaded(reports=reports, labels=labels)


@pytest.fixture
def new_report(personas: Any) -> Callable[..., Report]:
    def make(title: str = "A report", body: str = "Steps.", sender: str = "") -> Report:
        return rs.report_create(
            team=personas.team,
            reporter_email=sender or personas.reporter.email,
            title=title,
            body=body,
            project=personas.project,
        )

    return make
