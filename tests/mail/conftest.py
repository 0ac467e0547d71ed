"""Real servers for the mail tests: an aiosmtpd sink and helpers to run the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Capture:
    """An SMTP sink: keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.envelopes.append(envelope)
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.envelopes.clear()

    def message_ids(self) -> list[str]:
        import email

        with self.lock:
            return [str(email.message_from_bytes(e.content)["Message-ID"]) for e in self.envelopes]


class Sink:
    def __init__(self) -> None:
        self.capture = Capture()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.capture, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="session")
def _sink_server() -> Iterator[Sink]:
    sink = Sink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def sink(_sink_server: Sink, settings: Any) -> Iterator[Sink]:
    """A running SMTP server the outbox worker sends to (emptied for each test)."""
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _sink_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.VULNDESK_MAIL_RETRY_BASE_SECONDS = 0
    _sink_server.capture.clear()
    if _sink_server.controller is None:
        _sink_server.start()
    yield _sink_server
    if _sink_server.controller is None:
        _sink_server.start()


@pytest.fixture(autouse=True)
def _gnupg_home(settings: Any, tmp_path_factory: Any) -> None:
    import tempfile

    home = tempfile.mkdtemp(prefix="vdg-")  # short: gpg-agent's socket path has a limit
    settings.VULNDESK_GNUPG_HOME = home


def mail(
    *,
    sender: str = "rita@example.test",
    to: str = "security@example.test",
    subject: str = "Heap overflow in _pickle",
    body: str = "Crafted frames overflow a buffer.\n",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="reporter.test")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def wait_for(condition: Callable[[], bool], *, timeout: float = 30.0, what: str = "") -> None:
    """Wait on a condition (never a bare sleep): fails with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or condition}")


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for a `vulndesk` subprocess that uses the test database."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{os.path.abspath(db['NAME'])}"
    else:
        url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_TEST")}
    env.update({"DATABASE_URL": url, "VULNDESK_ENV": "development", **extra})
    return env


def vulndesk(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "vulndesk", *args],
        input=stdin,
        env=env or cli_env(),
        capture_output=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
