"""`vulndesk mail serve`: an SMTP (or LMTP) listener that hands every message to the ingest.

The reply is 250 only after the raw message is committed; any failure before that is a
4xx, so the sending MTA keeps the message and retries.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.db import close_old_connections, connection

from vulndesk.accounts.models import Team

log = logging.getLogger(__name__)


def _ingest(data: bytes, rcpt_tos: list[str], team_id: int | None, source: str) -> str:
    from vulndesk.mail.ingest import ingest_bytes

    close_old_connections()
    try:
        team = Team.objects.get(pk=team_id) if team_id else None
        raw = ingest_bytes(data, source=source, envelope_to=rcpt_tos, team=team)
    finally:
        # A pool thread's connection would outlive the listener; one connect per message.
        connection.close()
    return raw.sha256


def _accepts(address: str, team_id: int | None) -> bool:
    from vulndesk.mail.ingest import KEY_IN_ADDRESS

    close_old_connections()
    address = address.lower()
    if KEY_IN_ADDRESS.match(address):
        local, _, domain = address.partition("@")
        address = f"{local.split('+', 1)[0]}@{domain}"
    try:
        teams = Team.objects.filter(security_address__iexact=address)
        if team_id:
            return not teams.exists() or teams.filter(pk=team_id).exists()
        return teams.exists()
    finally:
        connection.close()


class IngestHandler:
    def __init__(self, *, team: Team | None = None, source: str = "smtp") -> None:
        self.team_id = team.pk if team else None
        self.source = source

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        ok = await asyncio.to_thread(_accepts, address, self.team_id)
        if not ok:
            return "550 5.1.1 Not a security team address here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        try:
            digest = await asyncio.to_thread(
                _ingest, data, list(envelope.rcpt_tos), self.team_id, self.source
            )
        except Exception:
            log.exception("mail serve: could not store a message")
            return "451 4.3.0 Temporary failure, please retry"
        return f"250 2.0.0 Stored {digest[:16]}"


class IngestController(Controller):
    def __init__(self, handler: IngestHandler, *, lmtp: bool = False, **kwargs: Any) -> None:
        self.lmtp = lmtp
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        limit = 64 * 1024 * 1024
        if self.lmtp:
            return LMTP(self.handler, data_size_limit=limit, enable_SMTPUTF8=True)
        return SMTP(self.handler, data_size_limit=limit, enable_SMTPUTF8=True)


def start(
    host: str, port: int, *, team: Team | None = None, lmtp: bool = False
) -> IngestController:
    handler = IngestHandler(team=team, source="lmtp" if lmtp else "smtp")
    controller = IngestController(handler, lmtp=lmtp, hostname=host, port=port)
    controller.start()
    return controller
