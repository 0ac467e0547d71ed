"""The team digest: the right reports in each member's mail, once per period, delivered."""

from __future__ import annotations

import email
import json
from typing import Any

import pytest

from tests.mail.conftest import Sink, _sink_server, sink  # noqa: F401 - the SMTP fixtures
from tests.triage.conftest import Clock
from vulndesk.cli import main
from vulndesk.mail.models import OutboxMessage
from vulndesk.mail.outbox import run_once
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report
from vulndesk.triage.digest import digest_send, team_digest
from vulndesk.triage.services import policy_set

MEMBERS = ["alice@example.test", "bob@example.test", "carol@example.test"]


def _digests() -> dict[str, OutboxMessage]:
    return {
        m.to[0]: m for m in OutboxMessage.objects.filter(dedupe_key__startswith="triage-digest:")
    }


@pytest.fixture
def month_old(personas: Any, new_report: Any, frozen_clock: Clock) -> dict[str, Report]:
    """A month of a team's life: an ignored new report, a stuck decision, a fresh report."""
    p = personas
    ignored = new_report("Ignored for a month")
    stuck = new_report("Stuck before the decision")
    rs.report_triage(stuck, actor=p.admin, outcome="plausible")
    rs.report_assign(stuck, actor=p.admin, coordinator=p.member)
    spam = new_report("Buy now")
    rs.report_triage(spam, actor=p.admin, outcome="spam")
    frozen_clock.advance(days=30)
    fresh = new_report("Arrived this morning")
    return {"ignored": ignored, "stuck": stuck, "spam": spam, "fresh": fresh}


def test_the_digest_lists_awaiting_triage_overdue_and_stale_reports(
    month_old: dict[str, Report],
) -> None:
    r = month_old
    digest = team_digest(r["fresh"].team)
    assert [i.key for i in digest.awaiting_triage] == [r["ignored"].key, r["fresh"].key]
    assert [i.key for i in digest.overdue] == [r["ignored"].key, r["stuck"].key]
    assert "Acknowledge the report" in digest.overdue[0].note
    assert "overdue by 27 d" in digest.overdue[0].note
    assert [i.key for i in digest.stale] == [r["ignored"].key, r["stuck"].key]
    assert digest.stale[1].note == "no change for 30 days"
    assert digest.period_label == "2026-04-01"


def test_each_member_gets_one_mail_with_their_own_reports(
    personas: Any, month_old: dict[str, Report]
) -> None:
    result = digest_send(personas.team)
    assert result["queued"] == ["alice", "bob", "carol"]
    digests = _digests()
    assert sorted(digests) == MEMBERS
    bob = digests["bob@example.test"]
    assert bob.subject == "[PSRT] Daily digest 2026-04-01: 2 awaiting triage, 2 overdue"
    assert "You coordinate (1):" in bob.body
    assert f"- {month_old['stuck'].key} Stuck before the decision" in bob.body
    assert "You coordinate" not in digests["alice@example.test"].body
    assert month_old["spam"].key not in bob.body  # closed reports are nobody's business
    # No report of another team, and that team's admin gets nothing from this team.
    assert "zed@example.test" not in digests
    # Twice in one period (or two machines at once): still one mail each.
    again = digest_send(personas.team)
    assert again["queued"] == []
    assert again["already_sent"] == ["alice", "bob", "carol"]
    assert OutboxMessage.objects.filter(dedupe_key__startswith="triage-digest:").count() == 3
    # The weekly digest is another mail.
    weekly = digest_send(personas.team, period="weekly")
    assert weekly["queued"] == ["alice", "bob", "carol"]
    subjects = OutboxMessage.objects.filter(subject__contains="Weekly digest 2026-W14")
    assert subjects.count() == 3


def test_a_report_past_the_ninety_day_target_says_so(
    personas: Any, month_old: dict[str, Report], frozen_clock: Clock
) -> None:
    frozen_clock.advance(days=61)  # 91 days after the first reports
    digest = team_digest(personas.team)
    notes = {i.key: i.note for i in digest.overdue}
    assert "past the 90-day target to a finished state" in notes[month_old["stuck"].key]
    assert "past the 90-day target" not in notes[month_old["fresh"].key]


def test_the_stale_threshold_and_the_team_time_zone(
    personas: Any, month_old: dict[str, Report]
) -> None:
    policy_set(personas.team, actor=personas.admin, time_zone="Pacific/Auckland")
    digest = team_digest(personas.team, stale_days=31)
    assert digest.stale == []
    assert digest.period_label == "2026-04-01"  # 09:00 UTC is 22:00 in Auckland
    with pytest.raises(Exception, match="daily or weekly"):
        team_digest(personas.team, period="hourly")


def test_a_quiet_team_gets_no_mail(personas: Any, frozen_clock: Clock) -> None:
    result = digest_send(personas.other_team)
    assert result["queued"] == []
    assert result["nothing_to_say"] == ["zed"]
    assert not OutboxMessage.objects.exists()


def test_the_digest_reaches_an_smtp_server(
    personas: Any,
    month_old: dict[str, Report],
    sink: Sink,  # noqa: F811 - the fixture imported above
) -> None:
    digest_send(personas.team)
    assert run_once(worker="test")["sent"] == 3
    received = {e.rcpt_tos[0]: email.message_from_bytes(e.content) for e in sink.capture.envelopes}
    assert sorted(received) == MEMBERS
    message = received["bob@example.test"]
    assert "Daily digest" in str(message["Subject"])
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "You coordinate (1):" in body


def test_the_cli_previews_and_queues(
    personas: Any, month_old: dict[str, Report], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reminders", "digest", "--team", "psrt", "--preview"]) == 0
    out = capsys.readouterr().out
    assert out.count("Subject: [PSRT] Daily digest") == 3
    assert not OutboxMessage.objects.exists()
    assert main(["reminders", "digest", "--period", "weekly", "--json"]) == 0
    results = {r["team"]: r for r in json.loads(capsys.readouterr().out)}
    assert results["psrt"]["queued"] == ["alice", "bob", "carol"]
    assert results["psrt"]["period"] == "weekly 2026-W14"
    assert results["other"]["queued"] == []
