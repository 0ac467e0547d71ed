"""Reports accepted at the same moment never get the same CVE ID (PostgreSQL and SQLite).

Real threads, each with its own database connection, released together by a barrier.
SQLite needs a file database for this; settings always give the tests one
(``<VULNDESK_TEST_DB_NAME or "test">.sqlite3`` in the data directory), so these tests
run on every SQLite run, with or without VULNDESK_TEST_DB_NAME, and never skip.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tests.conftest import Personas, build_report
from vulndesk.cna import services as cna
from vulndesk.cna.models import CveId, CveIdState
from vulndesk.core.errors import ApplicationError
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

pytestmark = pytest.mark.django_db(transaction=True)


def _needs_shared_database() -> None:
    # Fail rather than skip: an in-memory database would mean settings lost the file
    # test database, and these tests would quietly stop running in CI.
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db(), "threads need the file test database"


def _at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run ``jobs`` in threads released at the same moment; each result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = jobs[i]()
        except Exception as exc:  # collected, asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_reports_accepted_at_the_same_moment_never_share_an_id(personas: Personas) -> None:
    _needs_shared_database()
    p = personas
    cna.cve_pool_load(p.team, actor=p.admin, cve_ids=[f"CVE-2026-{n}" for n in range(1001, 1006)])
    reports = []
    for _ in range(8):
        report = build_report(p, State.TRIAGE)
        rs.report_assign(report, actor=p.admin, coordinator=p.member)
        reports.append(report)

    results = _at_once(
        [lambda r=r: rs.report_accept(r, actor=p.member) for r in reports]  # type: ignore[misc]
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    given = [r.cve_id for r in Report.objects.filter(pk__in=[x.pk for x in reports])]
    with_id = [c for c in given if c]
    assert len(with_id) == 5  # the whole pool, and each ID once
    assert sorted(with_id) == [f"CVE-2026-{n}" for n in range(1001, 1006)]
    assert given.count("") == 3  # the pool ran dry for the others; they wait for an ID
    rows = CveId.objects.filter(team=p.team)
    assert {r.cve_id: r.report_id for r in rows} == {
        r.cve_id: r.pk for r in Report.objects.filter(pk__in=[x.pk for x in reports]) if r.cve_id
    }
    assert all(r.state == CveIdState.ASSIGNED for r in rows)


def test_one_id_typed_on_two_reports_at_once_goes_to_one(personas: Personas) -> None:
    _needs_shared_database()
    p = personas
    first, second = build_report(p, State.ACCEPTED), build_report(p, State.ACCEPTED)

    results = _at_once(
        [
            lambda: rs.report_set_cve(first, actor=p.member, cve_id="CVE-2026-7777"),
            lambda: rs.report_set_cve(second, actor=p.member, cve_id="CVE-2026-7777"),
        ]
    )

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    assert isinstance(refused[0], ApplicationError)
    assert "CVE-2026-7777" in refused[0].message
    holders = Report.objects.filter(cve_id="CVE-2026-7777")
    assert holders.count() == 1
    assert CveId.objects.get(cve_id="CVE-2026-7777").report_id == holders.get().pk
