"""Report keys: PREFIX-YYYY-NNNN, never reused, gap-free per team and year, also under
concurrent creation (threads on the real database: PostgreSQL, and SQLite's file)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections

from tests.conftest import Personas, _user
from vulndesk.accounts.services import team_create
from vulndesk.core import clock
from vulndesk.reports import services as rs
from vulndesk.reports.models import KeySequence, Report


def _create(p: Personas, team: Any = None, title: str = "A bug") -> Report:
    return rs.report_create(
        team=team or p.team, reporter_email="rita@example.test", title=title, actor=None
    )


@pytest.fixture
def moving_clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    now = [dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    return now


def test_keys_count_up_per_team_with_the_team_prefix(personas: Personas, moving_clock) -> None:
    keys = [_create(personas).key for _ in range(3)]
    assert keys == ["PSRT-2026-0001", "PSRT-2026-0002", "PSRT-2026-0003"]
    other = _create(personas, team=personas.other_team)
    assert other.key == "OTH-2026-0001"  # each team counts on its own
    assert _create(personas).key == "PSRT-2026-0004"


def test_numbering_starts_again_each_year(personas: Personas, moving_clock) -> None:
    assert _create(personas).key == "PSRT-2026-0001"
    assert _create(personas).key == "PSRT-2026-0002"
    moving_clock[0] = dt.datetime(2027, 1, 1, 0, 1, tzinfo=dt.UTC)
    first = _create(personas)
    assert (first.key, first.year, first.number) == ("PSRT-2027-0001", 2027, 1)


def test_a_key_is_never_reused_after_a_report_is_closed(personas: Personas) -> None:
    first = _create(personas)
    rs.report_triage(first, actor=personas.admin, outcome="spam")
    assert _create(personas).number == first.number + 1
    # Reports cannot be deleted while they have a timeline, so keys never come free.
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        first.delete()


def test_a_refused_creation_uses_no_number(personas: Personas) -> None:
    first = _create(personas)
    with pytest.raises(rs.ApplicationError):
        _create(personas, title="   ")
    with pytest.raises(rs.ApplicationError):
        rs.report_create(team=personas.team, reporter_email="not-an-address", title="x")
    assert _create(personas).number == first.number + 1


def test_two_teams_cannot_share_a_prefix(personas: Personas) -> None:
    with pytest.raises(rs.ApplicationError, match="prefix PSRT is used by PSRT"):
        team_create(slug="twin", name="Twin", key_prefix="psrt", admin=_user("tara"))
    # Without a prefix a second team gets one made from its slug, and keys do not collide.
    twin = team_create(slug="twin-team", name="Twin")
    assert twin.key_prefix == "TWINTEAM"
    assert _create(personas).key.startswith("PSRT-")
    assert _create(personas, team=twin).key.startswith("TWINTEAM-")


THREADS = 8
PER_THREAD = 3


def _create_concurrently(p: Personas) -> list[str]:
    barrier = threading.Barrier(THREADS)
    keys: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(PER_THREAD):
                report = rs.report_create(
                    team=p.team,
                    reporter_email=f"racer{n}@example.test",
                    title=f"Race {n}.{i}",
                )
                with lock:
                    keys.append(report.key)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return keys


def _assert_gap_free(keys: list[str], p: Personas) -> None:
    year = clock.now().year
    total = THREADS * PER_THREAD
    assert len(keys) == total
    assert sorted(keys) == [f"PSRT-{year}-{n:04d}" for n in range(1, total + 1)]
    numbers = sorted(Report.objects.filter(team=p.team).values_list("number", flat=True))
    assert numbers == list(range(1, total + 1))
    assert KeySequence.objects.get(team=p.team, year=year).last == total


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_on_postgresql_has_no_duplicates_and_no_gaps(
    personas: Personas,
) -> None:
    assert connection.vendor == "postgresql"
    _assert_gap_free(_create_concurrently(personas), personas)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_on_sqlite_file_has_no_duplicates_and_no_gaps(
    personas: Personas,
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run covers SQLite; PostgreSQL has its own test")
    assert not connection.is_in_memory_db(), "threads need the file test database"
    _assert_gap_free(_create_concurrently(personas), personas)
