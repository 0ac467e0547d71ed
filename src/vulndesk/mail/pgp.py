"""OpenPGP for mail (python-gnupg and the gpg binary).

The team's secret key lives in GnuPG's home (VULNDESK_GNUPG_HOME); its public part is
in the database (TeamKey) and downloadable. Incoming PGP/MIME and inline messages are
decrypted and their signatures checked; outgoing mail is signed with the team key
(PGP/MIME) and encrypted too when every recipient's public key is known (ReporterKey).
"""

from __future__ import annotations

import email
import email.encoders
import email.policy
import os
import re
import tempfile
from email.message import EmailMessage, Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gnupg
from django.conf import settings

from vulndesk.accounts.models import Team, User
from vulndesk.accounts.permissions import require_team_admin
from vulndesk.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from vulndesk.mail.models import OutboxMessage, RawMessage, ReporterKey, TeamKey
    from vulndesk.mail.parse import Parsed


def gpg() -> gnupg.GPG:
    home = Path(settings.VULNDESK_GNUPG_HOME)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    return gnupg.GPG(gnupghome=str(home))


# ------------------------------------------------------------------- keys


def team_key_generate(team: Team, *, actor: User | None) -> TeamKey:
    """Make the team's key (Ed25519 signing, Curve25519 encryption), replacing none."""
    from vulndesk.mail.models import TeamKey

    if actor is not None:
        require_team_admin(actor, team)
    if TeamKey.objects.filter(team=team).exists():
        raise ValidationFailed(f"{team.name} already has a key; import one to replace it.")
    if not team.security_address:
        raise ValidationFailed(f"{team.name} needs a security address for its key.")
    g = gpg()
    result = g.gen_key(
        g.gen_key_input(
            name_real=team.name,
            name_email=team.security_address,
            no_protection=True,
            key_type="EDDSA",
            key_curve="ed25519",
            subkey_type="ECDH",
            subkey_curve="cv25519",
            expire_date=0,
        )
    )
    if not result.fingerprint:
        raise ValidationFailed(f"GnuPG could not make a key: {result.stderr[-300:]}")
    return TeamKey.objects.create(
        team=team, fingerprint=result.fingerprint, public_key=str(g.export_keys(result.fingerprint))
    )


def team_key_import(team: Team, *, actor: User | None, armored: str) -> TeamKey:
    """Use an existing secret key (armored) as the team's key."""
    from vulndesk.mail.models import TeamKey

    if actor is not None:
        require_team_admin(actor, team)
    g = gpg()
    result = g.import_keys(armored)
    secret = [fp for fp in result.fingerprints if g.list_keys(True, keys=[fp])]
    if not secret:
        raise ValidationFailed("That is not an OpenPGP secret key GnuPG can import.")
    fingerprint = secret[0]
    key, _ = TeamKey.objects.update_or_create(
        team=team,
        defaults={"fingerprint": fingerprint, "public_key": str(g.export_keys(fingerprint))},
    )
    return key


def team_key_get(team: Team) -> TeamKey:
    from vulndesk.mail.models import TeamKey

    key = TeamKey.objects.filter(team=team).first()
    if key is None:
        raise NotFound(f"{team.name} has no OpenPGP key.")
    return key


def reporter_key_set(*, email: str, armored: str, actor: User | None) -> ReporterKey:
    """Record a reporter's public key (a team member sets it for an address)."""
    from vulndesk.accounts.models import Membership
    from vulndesk.mail.models import ReporterKey

    if actor is not None and not Membership.objects.filter(user=actor).exists():
        raise NotFound("There is no such reporter.")
    result = gpg().import_keys(armored)
    if not result.fingerprints:
        raise ValidationFailed("That is not an OpenPGP public key GnuPG can import.")
    key, _ = ReporterKey.objects.update_or_create(
        email=email.strip().lower(),
        defaults={"fingerprint": result.fingerprints[0], "public_key": armored},
    )
    return key


# ------------------------------------------------------------------- incoming


def _signature(raw: RawMessage, result: Any) -> None:
    if getattr(result, "valid", False):
        raw.signature = "good"
        raw.signer_fingerprint = str(result.fingerprint or "")[:64]
    elif getattr(result, "status", "") == "no public key" or "NO_PUBKEY" in str(
        getattr(result, "stderr", "")
    ):
        raw.signature = "no-public-key"
        raw.signer_fingerprint = str(getattr(result, "key_id", "") or "")[:64]
    elif getattr(result, "signature_id", None) or getattr(result, "key_id", None):
        raw.signature = "bad"


def _signed_part_bytes(data: bytes) -> bytes | None:
    """The first part of a top-level multipart/signed, byte for byte as sent."""
    head_end = data.find(b"\r\n\r\n")
    sep = b"\r\n"
    if head_end < 0:
        head_end, sep = data.find(b"\n\n"), b"\n"
    if head_end < 0:
        return None
    match = re.search(rb'boundary="?([^";\r\n]+)"?', data[:head_end], re.IGNORECASE)
    if not match:
        return None
    delimiter = sep + b"--" + match.group(1)
    start = data.find(b"--" + match.group(1), head_end)
    if start < 0:
        return None
    start = data.find(sep, start) + len(sep)
    end = data.find(delimiter, start)
    if end < 0:
        return None
    return data[start:end].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def open_incoming(raw: RawMessage, parsed: Parsed) -> None:
    """Decrypt and verify an incoming message in place; what fails becomes a flag."""
    from vulndesk.mail.parse import _walk

    g = gpg()
    for data in list(parsed.encrypted_parts):
        result = g.decrypt(data)
        if not result.ok:
            parsed.flag(
                "cannot-decrypt",
                f"The message is encrypted and could not be decrypted ({result.status}).",
            )
            continue
        raw.encrypted = True
        _signature(raw, result)
        clear = bytes(result.data)
        if clear.lstrip()[:13].lower().startswith(b"content-type") or b"\ncontent-type:" in (
            clear[:2000].lower()
        ):
            inner: Message = email.message_from_bytes(clear, policy=email.policy.default)
            body_before = parsed.body
            parsed.body = ""
            _walk(inner, parsed, depth=1, budget=[500], big=False)
            parsed.body = (parsed.body or body_before).strip()
            if inner.get_content_type() == "multipart/signed" and parsed.signed:
                signed_bytes = _signed_part_bytes(clear)
                if signed_bytes is not None:
                    parsed.signed = (signed_bytes, parsed.signed[1])
        else:
            text = clear.decode("utf-8", "replace")
            armor = re.compile(
                r"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----", re.DOTALL
            )
            parsed.body = armor.sub(text.strip().replace("\\", "\\\\"), parsed.body, count=1)
    parsed.encrypted_parts = []
    if parsed.signed and not raw.signature:
        signed_bytes, signature = parsed.signed
        if not raw.encrypted:
            signed_bytes = _signed_part_bytes(bytes(raw.data)) or signed_bytes
        with tempfile.NamedTemporaryFile(suffix=".sig") as sig:
            sig.write(signature)
            sig.flush()
            _signature(raw, g.verify_data(sig.name, signed_bytes))
        if not raw.signature:
            raw.signature = "bad"
    elif parsed.inline_signed and not raw.signature:
        _signature(raw, g.verify(parsed.inline_signed))
        if not raw.signature:
            raw.signature = "bad"
    if raw.signature == "bad":
        parsed.flag("bad-signature", "The message is signed, but the signature does not verify.")


# ------------------------------------------------------------------- outgoing


def _content_part(mail: EmailMessage) -> MIMEBase:
    text = str(mail.get_content())
    charset = "us-ascii" if text.isascii() else "utf-8"  # ASCII stays readable 7bit
    return MIMEText(text, "plain", charset)


def protect_outgoing(mail: EmailMessage, message: OutboxMessage) -> bytes:
    """Sign with the team key; also encrypt when every recipient's key is known."""
    from vulndesk.mail.models import ReporterKey, TeamKey

    team_key = TeamKey.objects.filter(team_id=message.team_id).first() if message.team_id else None
    if team_key is None:
        return mail.as_bytes(policy=email.policy.SMTP)
    recipient_keys = list(ReporterKey.objects.filter(email__in=[a.lower() for a in message.to]))
    encrypt = message.template != "announce" and len(recipient_keys) == len(message.to)
    g = gpg()
    content = _content_part(mail)
    content_bytes = content.as_bytes(policy=email.policy.SMTP)
    if encrypt:
        result = g.encrypt(
            content_bytes,
            [k.fingerprint for k in recipient_keys] + [team_key.fingerprint],
            sign=team_key.fingerprint,
            always_trust=True,
            armor=True,
        )
        if not result.ok:
            raise ValidationFailed(f"GnuPG could not encrypt: {result.status}")
        outer = MIMEMultipart("encrypted", protocol="application/pgp-encrypted")
        control = MIMEApplication(b"Version: 1\r\n", "pgp-encrypted", email.encoders.encode_7or8bit)
        body = MIMEApplication(
            str(result).encode(),
            "octet-stream",
            email.encoders.encode_7or8bit,
            name="encrypted.asc",
        )
        outer.attach(control)
        outer.attach(body)
    else:
        signature = g.sign(content_bytes, keyid=team_key.fingerprint, detach=True, clearsign=False)
        if not signature.data:
            raise ValidationFailed(f"GnuPG could not sign: {signature.status}")
        outer = MIMEMultipart("signed", micalg="pgp-sha256", protocol="application/pgp-signature")
        outer.attach(content)
        sig = MIMEApplication(
            bytes(signature.data),
            "pgp-signature",
            email.encoders.encode_7or8bit,
            name="signature.asc",
        )
        outer.attach(sig)
    for name, value in mail.items():
        if name.lower() not in {"content-type", "content-transfer-encoding", "mime-version"}:
            outer[name] = value
    return outer.as_bytes(policy=email.policy.SMTP)
