"""`vulndesk mail poll`: read an IMAP mailbox, ingest each message, move it to a folder.

A message is moved only after its raw bytes are committed; a crash in between means it
is fetched again next time, and the content address (sha256) recognises it.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
from dataclasses import dataclass

from imapclient import IMAPClient  # type: ignore[import-untyped]

from vulndesk.accounts.models import Team
from vulndesk.mail.ingest import ingest_bytes

log = logging.getLogger(__name__)


@dataclass
class ImapConfig:
    host: str
    port: int
    user: str
    password: str
    use_ssl: bool = True
    mailbox: str = "INBOX"
    done_folder: str = "vulndesk-done"
    cafile: str | None = None


def connect(config: ImapConfig) -> IMAPClient:
    context = ssl.create_default_context(cafile=config.cafile) if config.use_ssl else None
    client = IMAPClient(
        config.host, port=config.port, ssl=config.use_ssl, ssl_context=context, timeout=60
    )
    client.login(config.user, config.password)
    if not client.folder_exists(config.done_folder):
        client.create_folder(config.done_folder)
    return client


def poll_once(client: IMAPClient, config: ImapConfig, *, team: Team | None, batch: int = 50) -> int:
    """Ingest every message in the mailbox and move it away; returns how many."""
    client.select_folder(config.mailbox)
    uids = client.search(["NOT", "DELETED"])
    done = 0
    for start in range(0, len(uids), batch):
        chunk = uids[start : start + batch]
        fetched = client.fetch(chunk, [b"BODY.PEEK[]"])
        stored = []
        for uid in chunk:
            data = fetched.get(uid, {}).get(b"BODY[]")
            if not isinstance(data, bytes):
                continue
            ingest_bytes(data, source="imap", team=team)
            stored.append(uid)
        if stored:
            if client.has_capability("MOVE"):
                client.move(stored, config.done_folder)
            else:
                client.copy(stored, config.done_folder)
                client.delete_messages(stored)
                client.expunge(stored)
        done += len(stored)
    return done


def poll_forever(
    config: ImapConfig,
    *,
    team: Team | None,
    interval: float = 60.0,
    idle: bool = False,
    stop: threading.Event | None = None,
) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            client = connect(config)
            try:
                while not stop.is_set():
                    poll_once(client, config, team=team)
                    if idle and client.has_capability("IDLE"):
                        client.idle()
                        client.idle_check(timeout=interval)
                        client.idle_done()
                    else:
                        stop.wait(interval)
            finally:
                with contextlib.suppress(Exception):  # the connection is going away anyway
                    client.logout()
        except (OSError, IMAPClient.Error) as exc:
            log.warning("mail poll: %s; retrying in %s s", exc, interval)
            stop.wait(interval)
