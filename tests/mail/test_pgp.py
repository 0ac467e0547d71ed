"""OpenPGP: incoming mail decrypted with the team key, signatures checked, outgoing mail
signed (and encrypted to reporters whose key is known), the public key downloadable."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import tempfile
from collections.abc import Iterator
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from typing import Any

import gnupg
import pytest

from tests.conftest import Personas
from tests.mail.conftest import Sink
from vulndesk.mail import outbox, pgp
from vulndesk.mail.ingest import ingest_bytes
from vulndesk.mail.models import RawMessage
from vulndesk.mail.services import outbox_queue
from vulndesk.reports.models import Report

pytestmark = pytest.mark.django_db


class Reporter:
    """The reporter's own GnuPG, apart from the team's."""

    def __init__(self) -> None:
        self.home = tempfile.mkdtemp(prefix="vdr-")
        self.gpg = gnupg.GPG(gnupghome=self.home)
        result = self.gpg.gen_key(
            self.gpg.gen_key_input(
                name_email="sam@elsewhere.test",
                no_protection=True,
                key_type="EDDSA",
                key_curve="ed25519",
                subkey_type="ECDH",
                subkey_curve="cv25519",
            )
        )
        self.fingerprint = str(result.fingerprint)
        self.public = str(self.gpg.export_keys(self.fingerprint))

    def close(self) -> None:
        subprocess.run(
            ["gpgconf", "--kill", "gpg-agent"],
            env={**os.environ, "GNUPGHOME": self.home},
            check=False,
        )


@pytest.fixture
def reporter() -> Iterator[Reporter]:
    r = Reporter()
    yield r
    r.close()


@pytest.fixture
def team_key(personas: Personas, settings: Any) -> Iterator[Any]:
    key = pgp.team_key_generate(personas.team, actor=personas.admin)
    yield key
    subprocess.run(
        ["gpgconf", "--kill", "gpg-agent"],
        env={**os.environ, "GNUPGHOME": settings.VULNDESK_GNUPG_HOME},
        check=False,
    )


def _pgp_mime(reporter: Reporter, team_key: Any, text: str) -> bytes:
    reporter.gpg.import_keys(team_key.public_key)
    inner = EmailMessage()
    inner.set_content(text)
    encrypted = reporter.gpg.encrypt(
        inner.as_bytes(),
        [team_key.fingerprint],
        sign=reporter.fingerprint,
        always_trust=True,
        armor=True,
    )
    assert encrypted.ok, encrypted.status
    outer = MIMEMultipart("encrypted", protocol="application/pgp-encrypted")
    outer.attach(MIMEApplication(b"Version: 1\n", "pgp-encrypted"))
    outer.attach(MIMEApplication(str(encrypted).encode(), "octet-stream"))
    outer["From"] = "Sam <sam@elsewhere.test>"
    outer["To"] = "security@example.test"
    outer["Subject"] = "Encrypted report"
    outer["Message-ID"] = "<enc1@elsewhere.test>"
    return outer.as_bytes()


def test_pgp_mime_mail_is_decrypted_and_its_signature_recorded(
    personas: Personas, reporter: Reporter, team_key: Any
) -> None:
    data = _pgp_mime(reporter, team_key, "The secret details of the heap overflow.")
    raw = ingest_bytes(data, source="stdin")
    assert raw.encrypted
    assert raw.signature == "no-public-key"  # the team does not know the reporter's key yet
    report = Report.objects.get(pk=raw.report_id)
    assert "secret details of the heap overflow" in report.body
    assert "BEGIN PGP" not in report.body
    assert bytes(raw.data) == data  # the raw stays encrypted, as it came


def test_signature_verifies_once_the_reporter_key_is_known(
    personas: Personas, reporter: Reporter, team_key: Any
) -> None:
    pgp.reporter_key_set(email="sam@elsewhere.test", armored=reporter.public, actor=personas.admin)
    raw = ingest_bytes(_pgp_mime(reporter, team_key, "signed and sealed"), source="stdin")
    assert raw.signature == "good"
    assert raw.signer_fingerprint


def test_inline_pgp_is_decrypted(personas: Personas, reporter: Reporter, team_key: Any) -> None:
    reporter.gpg.import_keys(team_key.public_key)
    armored = str(
        reporter.gpg.encrypt("Inline secret text.", [team_key.fingerprint], always_trust=True)
    )
    msg = EmailMessage()
    msg["From"] = "sam@elsewhere.test"
    msg["To"] = "security@example.test"
    msg["Subject"] = "inline"
    msg["Message-ID"] = "<inline1@elsewhere.test>"
    msg.set_content("Hello,\n\n" + armored)
    raw = ingest_bytes(msg.as_bytes(), source="stdin")
    assert raw.encrypted
    assert "Inline secret text." in Report.objects.get(pk=raw.report_id).body


def test_mail_encrypted_to_another_key_is_kept_and_flagged(
    personas: Personas, reporter: Reporter, team_key: Any
) -> None:
    armored = str(reporter.gpg.encrypt("for me only", [reporter.fingerprint], always_trust=True))
    msg = EmailMessage()
    msg["From"] = "sam@elsewhere.test"
    msg["To"] = "security@example.test"
    msg["Subject"] = "wrong key"
    msg["Message-ID"] = "<wrong1@elsewhere.test>"
    msg.set_content(armored)
    raw = ingest_bytes(msg.as_bytes(), source="stdin")
    assert raw.status == RawMessage.Status.FLAGGED
    assert "cannot-decrypt" in [f["code"] for f in raw.flags]


def test_outgoing_mail_is_signed_with_the_team_key(
    personas: Personas, reporter: Reporter, team_key: Any, sink: Sink
) -> None:
    outbox_queue(team=personas.team, to=["other@example.test"], subject="Signed", body="Hello\n")
    assert outbox.run_once()["sent"] == 1
    content = sink.capture.envelopes[0].content
    got = email.message_from_bytes(content, policy=email.policy.default)
    assert got.get_content_type() == "multipart/signed"
    signed_part = pgp._signed_part_bytes(content)
    assert signed_part is not None
    signature = got.get_payload()[1].get_payload(decode=True)
    reporter.gpg.import_keys(team_key.public_key)
    with tempfile.NamedTemporaryFile(suffix=".sig") as sig:
        sig.write(signature)
        sig.flush()
        verified = reporter.gpg.verify_data(sig.name, signed_part)
    assert verified.valid, verified.status
    assert verified.fingerprint == team_key.fingerprint
    # and vulndesk's own ingest agrees, had the message come back
    assert b"Hello" in signed_part


def test_reply_to_a_reporter_with_a_known_key_is_encrypted(
    personas: Personas, reporter: Reporter, team_key: Any, sink: Sink
) -> None:
    pgp.reporter_key_set(email="sam@elsewhere.test", armored=reporter.public, actor=personas.admin)
    outbox_queue(
        team=personas.team,
        to=["sam@elsewhere.test"],
        subject="Private",
        body="CVE-2026-1 details\n",
    )
    assert outbox.run_once()["sent"] == 1
    content = sink.capture.envelopes[0].content
    assert b"CVE-2026-1 details" not in content
    got = email.message_from_bytes(content, policy=email.policy.default)
    assert got.get_content_type() == "multipart/encrypted"
    armored = got.get_payload()[1].get_payload(decode=True)
    clear = reporter.gpg.decrypt(armored)
    assert clear.ok, clear.status
    inner = email.message_from_bytes(bytes(clear.data), policy=email.policy.default)
    assert inner.get_content().strip() == "CVE-2026-1 details"  # type: ignore[attr-defined]


def test_the_public_key_is_downloadable_by_anyone(
    personas: Personas, team_key: Any, client: Any
) -> None:
    response = client.get(f"/mail/keys/{personas.team.slug}.asc")
    assert response.status_code == 200
    assert b"BEGIN PGP PUBLIC KEY BLOCK" in response.content
    assert client.get(f"/mail/keys/{personas.other_team.slug}.asc").status_code == 404


def test_only_admins_make_team_keys(personas: Personas) -> None:
    from vulndesk.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        pgp.team_key_generate(personas.team, actor=personas.member)
