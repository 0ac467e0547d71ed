"""The three ways in (stdin pipe, SMTP listener, IMAP poll) against real servers and
real processes, and crash safety under kill -9."""

from __future__ import annotations

import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Personas
from tests.mail.conftest import ROOT, Sink, cli_env, free_port, mail, vulndesk, wait_for
from vulndesk.mail.ingest import process_pending
from vulndesk.mail.models import OutboxMessage, RawMessage
from vulndesk.mail.services import outbox_queue
from vulndesk.reports.models import Comment, Report

pytestmark = pytest.mark.django_db(transaction=True)


# ------------------------------------------------------------------- mail ingest (stdin)


def test_mail_ingest_reads_stdin_and_exits_0(personas: Personas) -> None:
    done = vulndesk("mail", "ingest", "--json", stdin=mail(subject="Via the pipe"))
    assert done.returncode == 0, done.stderr
    report = Report.objects.get()
    assert report.title == "Via the pipe"


def test_mail_ingest_exits_75_when_it_cannot_store(personas: Personas) -> None:
    env = cli_env(DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    done = vulndesk("mail", "ingest", stdin=mail(), env=env)
    assert done.returncode == 75
    assert b"retry later" in done.stderr


@pytest.mark.parametrize("point", ["ingest:after-store", "ingest:before-commit"])
def test_kill_9_of_ingest_loses_nothing_and_duplicates_nothing(
    personas: Personas, point: str
) -> None:
    data = mail(subject=f"Killed at {point}")
    killed = vulndesk("mail", "ingest", stdin=data, env=cli_env(VULNDESK_FAULT=point))
    assert killed.returncode == -signal.SIGKILL
    raw = RawMessage.objects.get()  # stored before the crash
    assert raw.status == RawMessage.Status.PENDING
    assert bytes(raw.data) == data
    assert Report.objects.count() == 0  # the half-done processing was rolled back
    assert OutboxMessage.objects.count() == 0
    # The MTA got no 0 and delivers again: the stored row is found and processed once.
    again = vulndesk("mail", "ingest", stdin=data)
    assert again.returncode == 0, again.stderr
    assert RawMessage.objects.count() == 1
    assert Report.objects.count() == 1
    assert OutboxMessage.objects.filter(template="ack").count() == 1
    # A third delivery changes nothing.
    assert vulndesk("mail", "ingest", stdin=data).returncode == 0
    assert Report.objects.count() == 1


def test_the_worker_recovers_an_ingest_killed_after_storing(personas: Personas) -> None:
    killed = vulndesk(
        "mail", "ingest", stdin=mail(), env=cli_env(VULNDESK_FAULT="ingest:after-store")
    )
    assert killed.returncode == -signal.SIGKILL
    assert process_pending() == 1
    assert Report.objects.count() == 1


# ------------------------------------------------------------------- mail serve (SMTP)


@pytest.fixture
def listener(personas: Personas) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "vulndesk", "mail", "serve", "--addr", f"127.0.0.1:{port}"],
        env=cli_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def up() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return False
        return True

    try:
        wait_for(up, what="mail serve to listen")
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_mail_serve_ingests_what_smtplib_sends(personas: Personas, listener: int) -> None:
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:
        client.sendmail("sam@elsewhere.test", ["security@example.test"], mail(subject="By SMTP"))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("sam@elsewhere.test", ["someone@else.test"], mail())
    raw = RawMessage.objects.get()
    assert raw.source == "smtp"
    assert raw.envelope_to == ["security@example.test"]
    assert Report.objects.get().title == "By SMTP"


def test_mail_serve_threads_a_reply_by_the_report_address(
    personas: Personas, listener: int
) -> None:
    from vulndesk.reports.services import report_create

    report = report_create(
        team=personas.team, reporter_email="sam@elsewhere.test", title="T", source="email"
    )
    address = f"security+{report.key}@example.test"
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:
        client.sendmail(
            "sam@elsewhere.test",
            [address],
            mail(sender="sam@elsewhere.test", to=address, subject="more info"),
        )
    assert Comment.objects.get(report=report).visibility == "shared"


# ------------------------------------------------------------------- the worker, kill -9


def _queue(personas: Personas, n: int) -> list[OutboxMessage]:
    return [
        outbox_queue(team=personas.team, to=[f"r{i}@example.test"], subject=f"M{i}", body="b")
        for i in range(n)
    ]


def _worker(sink: Sink, *extra: str, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "vulndesk", "worker", "--interval", "0.1", *extra],
        env=cli_env(
            VULNDESK_EMAIL_HOST="127.0.0.1",
            VULNDESK_EMAIL_PORT=str(sink.port),
            VULNDESK_MAIL_LEASE_SECONDS="1",
            VULNDESK_MAIL_RETRY_BASE_SECONDS="0",
            **env,
        ),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _sent() -> int:
    return OutboxMessage.objects.filter(status="sent").count()


def test_kill_9_of_the_worker_mid_batch_loses_nothing(personas: Personas, sink: Sink) -> None:
    queued = _queue(personas, 120)
    worker = _worker(sink, "--batch", "10")
    try:
        wait_for(lambda: len(sink.capture.envelopes) >= 30, what="30 messages sent")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert _sent() < 120  # it really died mid-way
    rescuer = _worker(sink, "--batch", "10")
    try:
        wait_for(lambda: _sent() == 120, timeout=60, what="every message sent")
    finally:
        rescuer.terminate()
        rescuer.wait(timeout=10)
    ids = sink.capture.message_ids()
    assert set(ids) == {m.message_id for m in queued}  # nothing lost
    # A kill between the server's 250 and the commit can re-send at most the message
    # in flight, with the same bytes and Message-ID (receivers drop it as a duplicate).
    assert len(ids) - len(set(ids)) <= 1


@pytest.mark.parametrize(("point", "resent"), [("worker:before-send", 0), ("worker:after-send", 1)])
def test_kill_9_of_the_worker_at_each_point(
    personas: Personas, sink: Sink, point: str, resent: int
) -> None:
    queued = _queue(personas, 3)
    killed = _worker(sink, "--once", VULNDESK_FAULT=point)
    assert killed.wait(timeout=60) == -signal.SIGKILL
    done = vulndesk(
        "worker",
        "--once",
        env=cli_env(
            VULNDESK_EMAIL_HOST="127.0.0.1",
            VULNDESK_EMAIL_PORT=str(sink.port),
            VULNDESK_MAIL_LEASE_SECONDS="1",
        ),
    )
    assert done.returncode == 0
    # the killed lease expires (1 s): wait on the condition, then run again
    wait_for(
        lambda: (
            vulndesk(
                "worker",
                "--once",
                env=cli_env(VULNDESK_EMAIL_HOST="127.0.0.1", VULNDESK_EMAIL_PORT=str(sink.port)),
            ).returncode
            == 0
            and _sent() == 3
        ),
        timeout=30,
        what="all sent after the lease expired",
    )
    ids = sink.capture.message_ids()
    assert set(ids) == {m.message_id for m in queued}
    assert len(ids) - len(set(ids)) == resent
    if resent:
        by_id: dict[str, list[bytes]] = {}
        for envelope in sink.capture.envelopes:
            import email

            mid = str(email.message_from_bytes(envelope.content)["Message-ID"])
            by_id.setdefault(mid, []).append(envelope.content)
        copies = next(v for v in by_id.values() if len(v) == 2)
        assert copies[0] == copies[1]  # the very same bytes


# ------------------------------------------------------------------- mail poll (dovecot)

DOVECOT_CONF = """protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture(scope="session")
def dovecot() -> Iterator[int]:
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if binary is None:
        pytest.skip("dovecot is not installed (scripts/system-packages.txt: dovecot-imapd)")
    d = tempfile.mkdtemp(prefix="vd-dovecot-")
    os.chmod(d, 0o755)  # noqa: S103 - dovecot runs auth and mail as other users
    for sub in ("run", "state", "mail"):
        os.mkdir(f"{d}/{sub}")
    if os.geteuid() == 0:
        os.chown(f"{d}/mail", 65534, 65534)
    Path(f"{d}/passwd").write_text("alice:{PLAIN}secret\n")
    port = free_port()
    conf = f"{d}/dovecot.conf"
    Path(conf).write_text(DOVECOT_CONF.format(d=d, port=port))
    proc = subprocess.Popen(
        [binary, "-F", "-c", conf],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def up() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return False
        return True

    try:
        wait_for(up, what="dovecot to listen")
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        shutil.rmtree(d, ignore_errors=True)


def _append(port: int, *messages: bytes) -> None:
    from imapclient import IMAPClient

    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login("alice", "secret")
        for data in messages:
            client.append("INBOX", data)


def _count(port: int, folder: str) -> int:
    from imapclient import IMAPClient

    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login("alice", "secret")
        if not client.folder_exists(folder):
            return 0
        return len(client.select_folder(folder, readonly=True) and client.search(["ALL"]))


def test_mail_poll_ingests_the_mailbox_and_moves_it_away(personas: Personas, dovecot: int) -> None:
    _append(
        dovecot,
        mail(subject="IMAP one", message_id="<i1@reporter.test>"),
        mail(subject="IMAP two", message_id="<i2@reporter.test>"),
        mail(subject="IMAP one", message_id="<i1@reporter.test>"),  # the same, delivered twice
    )
    args = ["mail", "poll", "--once", "--json", "--host", "127.0.0.1", "--port", str(dovecot)]
    env = cli_env(VULNDESK_IMAP_PASSWORD="secret")
    done = vulndesk(*args, "--user", "alice", "--no-ssl", env=env)
    assert done.returncode == 0, done.stderr
    assert b'"ingested": 3' in done.stdout
    assert sorted(Report.objects.values_list("title", flat=True)) == ["IMAP one", "IMAP two"]
    assert _count(dovecot, "INBOX") == 0
    assert _count(dovecot, "vulndesk-done") == 3
    again = vulndesk(*args, "--user", "alice", "--no-ssl", env=env)
    assert b'"ingested": 0' in again.stdout
    assert Report.objects.count() == 2


def test_mail_poll_with_a_wrong_password_says_so(personas: Personas, dovecot: int) -> None:
    done = vulndesk(
        "mail",
        "poll",
        "--once",
        "--host",
        "127.0.0.1",
        "--port",
        str(dovecot),
        "--user",
        "alice",
        "--no-ssl",
        env=cli_env(VULNDESK_IMAP_PASSWORD="wrong"),
    )
    assert done.returncode != 0
    assert b"AUTHENTICATIONFAILED" in done.stderr or b"failed" in done.stderr.lower()
