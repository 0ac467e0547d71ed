"""Mail ingest throughput, as a ratio to the raw cost of the same messages in the same run.

Against 100,000 existing reports (each with a Message-ID to thread by), a mix of new
reports, replies threaded by In-Reply-To and replies threaded by the key in the subject
goes through:

- the ingest service (what ``vulndesk mail ingest`` runs for each message), against a
  baseline that parses each message with the standard library and inserts one row;
- the SMTP listener (``vulndesk mail serve``), against an aiosmtpd server whose handler
  does the same baseline work.

Exits non-zero when a ratio misses its target (see benchmarks/README.md).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import os
import random
import smtplib
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ["VULNDESK_ENV"] = "development"
os.environ["VULNDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="vd-bench-mail-")
os.environ.pop("DATABASE_URL", None)  # a fresh SQLite database of its own
os.environ["DJANGO_SETTINGS_MODULE"] = "vulndesk.settings"

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

EXISTING = int(os.environ.get("BENCH_MAIL_REPORTS", "100000"))
MESSAGES = int(os.environ.get("BENCH_MAIL_MESSAGES", "300"))
# Regression guards, not goals: the ingest does ~15 queries and writes a report, its
# timeline, an acknowledgement and threading rows where the baseline does one INSERT.
TARGET_INGEST = 150.0
TARGET_LISTENER = 40.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup() -> list[tuple[str, str]]:
    from vulndesk.accounts.models import Reporter, Team
    from vulndesk.mail.models import MessageRef
    from vulndesk.reports.models import KeySequence, Report

    call_command("migrate", verbosity=0)
    team = Team.objects.create(
        slug="psrt", name="PSRT", key_prefix="PSRT", security_address="security@example.test"
    )
    reporters = Reporter.objects.bulk_create(
        [Reporter(email=f"r{i}@example.test") for i in range(1000)]
    )
    existing: list[tuple[str, str]] = []
    batch = 5000
    with transaction.atomic():
        for start in range(1, EXISTING + 1, batch):
            numbers = range(start, min(start + batch, EXISTING + 1))
            reports = Report.objects.bulk_create(
                [
                    Report(
                        team=team,
                        key=f"PSRT-2025-{n:06d}",
                        year=2025,
                        number=n,
                        source="email",
                        reporter=reporters[n % 1000],
                        title=f"Report {n}",
                    )
                    for n in numbers
                ]
            )
            MessageRef.objects.bulk_create(
                [MessageRef(message_id=f"<m{r.number}@example.test>", report=r) for r in reports]
            )
            existing += [(r.key, f"<m{r.number}@example.test>") for r in reports]
        KeySequence.objects.create(team=team, year=2025, last=EXISTING)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_baseline (sha256 varchar(64), data blob)")
    return existing


def messages(existing: list[tuple[str, str]], run: str) -> list[bytes]:
    rng = random.Random(run)
    out = []
    for i in range(MESSAGES):
        key, message_id = rng.choice(existing)
        kind = i % 3
        headers = [
            f"From: Reporter {i} <r{i % 1000}@example.test>",
            "To: security@example.test",
            f"Message-ID: <{run}-{i}@reporter.test>",
        ]
        if kind == 0:
            headers.append(f"Subject: New issue {run} {i}: crash in module {i}")
        elif kind == 1:
            headers += [f"Subject: Re: Report {i}", f"In-Reply-To: {message_id}"]
        else:
            headers.append(f"Subject: Re: [{key}] more details")
        body = f"Details of the issue number {i}.\n" * 20
        out.append(("\r\n".join(headers) + "\r\n\r\n" + body).encode())
    return out


def baseline_one(data: bytes) -> None:
    """The raw cost: parse the message, read its text, insert one row."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            part.get_content()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (sha256, data) VALUES (%s, %s)",
            [hashlib.sha256(data).hexdigest(), data],
        )


def timed(fn: Any, items: list[bytes]) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


class BaselineHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import asyncio

        def work() -> None:
            baseline_one(envelope.original_content or envelope.content)
            connection.close()

        await asyncio.to_thread(work)
        return "250 OK"


def over_smtp(port: int, items: list[bytes]) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for data in items:
            client.sendmail("r@example.test", ["security@example.test"], data)
    return time.perf_counter() - start


def main() -> int:
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command log
    from vulndesk.mail import listener
    from vulndesk.mail.ingest import ingest_bytes
    from vulndesk.mail.models import RawMessage

    t0 = time.perf_counter()
    existing = setup()
    print(f"setup: {EXISTING} reports with Message-IDs in {time.perf_counter() - t0:.1f} s")

    baseline = timed(baseline_one, messages(existing, "base"))
    ingest = timed(lambda d: ingest_bytes(d, source="stdin"), messages(existing, "ingest"))
    kinds = dict.fromkeys(("new_report", "comment"), 0)
    for kind in RawMessage.objects.values_list("kind", flat=True):
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["comment"] >= MESSAGES * 2 // 3 - 1, kinds  # threading found the reports

    port = free_port()
    base_server = Controller(BaselineHandler(), hostname="127.0.0.1", port=port)
    base_server.start()
    try:
        base_smtp = over_smtp(port, messages(existing, "base-smtp"))
    finally:
        base_server.stop()
    port = free_port()
    server = listener.start("127.0.0.1", port)
    try:
        via_listener = over_smtp(port, messages(existing, "listener"))
    finally:
        server.stop()

    rows = [
        ("parse + insert (baseline)", baseline),
        ("ingest service (mail ingest)", ingest),
        ("SMTP + parse + insert (baseline)", base_smtp),
        ("SMTP listener (mail serve)", via_listener),
    ]
    for label, seconds in rows:
        print(f"{label:<36} {MESSAGES / seconds:8.0f} msg/s")
    ratio_ingest = ingest / baseline
    ratio_listener = via_listener / base_smtp
    print(f"ratio ingest/baseline:     {ratio_ingest:6.1f} (target <= {TARGET_INGEST})")
    print(f"ratio listener/baseline:   {ratio_listener:6.1f} (target <= {TARGET_LISTENER})")
    ok = ratio_ingest <= TARGET_INGEST and ratio_listener <= TARGET_LISTENER
    print("OK" if ok else "MISSED the target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
