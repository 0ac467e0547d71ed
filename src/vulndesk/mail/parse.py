"""Reading a received message defensively: every problem becomes a flag, never a crash.

``parse_message(data)`` never raises for bad input: it returns what it could read and a
list of flags, each a code and a sentence an admin can read.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from html.parser import HTMLParser
from typing import Any

from django.conf import settings

MAX_DEPTH = 20
MAX_PARTS = 500
SUBJECT_MAX = 300


@dataclass
class Flag:
    code: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason}


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    sender: str = ""
    sender_name: str = ""
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    body: str = ""
    html_only: bool = False
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_reply: bool = False
    bounce: bool = False
    bounced_message_ids: list[str] = field(default_factory=list)
    encrypted_parts: list[bytes] = field(default_factory=list)  # PGP/MIME or inline armor
    signed: tuple[bytes, bytes] | None = None  # (signed bytes, detached signature)
    inline_signed: str = ""
    flags: list[Flag] = field(default_factory=list)

    def flag(self, code: str, reason: str) -> None:
        if not any(f.code == code and f.reason == reason for f in self.flags):
            self.flags.append(Flag(code, reason))


def clean_text(value: str, limit: int | None = None) -> str:
    """Text safe for any database: no NUL, no lone surrogates (PostgreSQL refuses both)."""
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    value = value.replace("\x00", "")
    return value[:limit] if limit else value


MSGID_RE = re.compile(r"<[^<>\s]{1,900}>")


def message_ids(value: str) -> list[str]:
    return MSGID_RE.findall(value or "")


class _TextExtractor(HTMLParser):
    SKIP = frozenset({"script", "style", "head", "title"})
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "pre", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.out.append("\n")
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.out.append(f" <{href}> ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    """HTML mail as plain text: tags dropped, never rendered."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # HTMLParser is lenient; a failure still leaves us the escaped source
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    text = "".join(parser.out)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip()


DEFECTS = {
    "NoBoundaryInMultipartDefect": "A multipart part has no boundary to split it by.",
    "StartBoundaryNotFoundDefect": "A multipart part's boundary never appears in its body.",
    "CloseBoundaryNotFoundDefect": "A multipart part is never closed by its end boundary.",
    "FirstHeaderLineIsContinuationDefect": "The first header line is a continuation line.",
    "MisplacedEnvelopeHeaderDefect": "A 'From ' envelope line sits among the headers.",
    "MissingHeaderBodySeparatorDefect": "A header line is malformed, or the blank line "
    "between headers and body is missing.",
    "MultipartInvariantViolationDefect": "A part claims to be multipart but has no parts.",
    "InvalidMultipartContentTransferEncodingDefect": "A multipart part has a transfer "
    "encoding, which multipart parts may not have.",
    "InvalidBase64PaddingDefect": "A base64 part has wrong padding.",
    "InvalidBase64CharactersDefect": "A base64 part holds characters outside base64.",
    "InvalidBase64LengthDefect": "A base64 part has an impossible length.",
}


def defect_reason(defect: Any) -> str:
    name = type(defect).__name__
    known = DEFECTS.get(name)
    if known:
        return known
    detail = str(defect).strip()
    return f"The MIME structure is malformed ({name}{': ' + detail if detail else ''})."


def _header(msg: Message, name: str, parsed: Parsed) -> str:
    try:
        value = msg.get(name)
    except Exception as exc:  # email's header parsing raises on some broken headers
        parsed.flag("bad-header", f"The {name} header could not be read: {exc}.")
        try:
            raw = msg.get_all(name) if not isinstance(msg, EmailMessage) else None
            return clean_text(str(raw[0])) if raw else ""
        except Exception:
            return ""
    if value is None:
        return ""
    for defect in getattr(value, "defects", ()):
        parsed.flag("bad-header", f"The {name} header is malformed: {defect}.")
    original = str(value)
    text = clean_text(original)
    if text != original.replace("\x00", "") or "\ufffd" in text:
        parsed.flag(
            "bad-header",
            f"The {name} header holds raw 8-bit bytes that are not encoded text.",
        )
    if "\x00" in original:
        parsed.flag("nul-bytes", f"The {name} header holds a NUL character.")
    if "\r" in text or "\n" in text:
        parsed.flag(
            "header-injection",
            f"The {name} header holds a line break (an attempt to inject headers); "
            "it was joined into one line.",
        )
        text = " ".join(text.split())
    return text


KNOWN_CTE = {"", "7bit", "8bit", "binary", "base64", "quoted-printable"}
BAD_QP = re.compile(rb"=(?![0-9A-Fa-f]{2}|\r?\n|$)", re.MULTILINE)


def _decoded(part: Message, parsed: Parsed) -> Any:
    """The decoded payload; decoding problems (bad base64, bad quoted-printable) are flagged."""
    cte = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    if cte not in KNOWN_CTE:
        parsed.flag("unknown-encoding", f"A part uses the unknown transfer encoding {cte!r}.")
    before = len(part.defects)
    payload = part.get_payload(decode=True)
    for defect in part.defects[before:]:
        parsed.flag("bad-encoding", f"A part cannot be decoded cleanly: {defect_reason(defect)}")
    if cte == "quoted-printable":
        raw = part.get_payload(decode=False)
        if isinstance(raw, str) and BAD_QP.search(raw.encode("utf-8", "surrogateescape")):
            parsed.flag("bad-encoding", "A quoted-printable part holds invalid = escapes.")
    return payload


def _decode_part(part: Message, parsed: Parsed) -> str:
    payload = _decoded(part, parsed)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "us-ascii"
    try:
        return clean_text(payload.decode(charset))
    except LookupError:
        parsed.flag("unknown-charset", f"A text part names the unknown charset {charset!r}.")
    except UnicodeDecodeError:
        parsed.flag("bad-encoding", f"A text part is not valid {charset}.")
    return clean_text(payload.decode("utf-8", "replace"))


AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)


def parse_message(data: bytes) -> Parsed:
    parsed = Parsed()
    limit = settings.VULNDESK_MAIL_MAX_MESSAGE_BYTES
    if len(data) > limit:
        parsed.flag(
            "too-large",
            f"The message is {len(data)} bytes, over the {limit} byte limit; "
            "it is kept raw and its attachments are not extracted.",
        )
    if b"\x00" in data:
        parsed.flag("nul-bytes", "The message contains NUL bytes, which mail may not carry.")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient, but keep the promise: never crash
        parsed.flag("unparseable", f"The message could not be parsed at all: {exc}.")
        parsed.body = clean_text(data[:100_000].decode("utf-8", "replace"))
        return parsed
    if not msg.keys():
        parsed.flag("no-headers", "The message has no header section.")
    if any(len(line) > 998 for line in data.splitlines()):
        parsed.flag("long-line", "A line is longer than the 998 characters mail allows.")
    _header(msg, "Content-Type", parsed)
    _check_encoded_words(msg, parsed)
    _read_headers(msg, parsed)
    _walk(msg, parsed, depth=0, budget=[MAX_PARTS], big=len(data) > limit)
    if not parsed.body.strip() and not parsed.attachments and not parsed.encrypted_parts:
        parsed.flag("empty-body", "The message has no text.")
    return parsed


ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _check_encoded_words(msg: Message, parsed: Parsed) -> None:
    """Flag RFC 2047 encoded words the parser silently dropped or guessed."""
    import binascii
    import codecs

    try:
        items = list(msg.raw_items()) if hasattr(msg, "raw_items") else []
    except Exception:
        return
    for name, value in items:
        for charset, kind, text in ENCODED_WORD.findall(str(value)):
            try:
                codecs.lookup(charset.split("*")[0])
            except LookupError:
                parsed.flag(
                    "unknown-charset", f"The {name} header names the unknown charset {charset!r}."
                )
                continue
            if kind in "bB":
                try:
                    binascii.a2b_base64(text.encode("ascii", "replace"), strict_mode=True)
                except (binascii.Error, ValueError):
                    parsed.flag("bad-header", f"The {name} header holds invalid base64 text.")


def _read_headers(msg: Message, parsed: Parsed) -> None:
    parsed.message_id = (message_ids(_header(msg, "Message-ID", parsed)) or [""])[0]
    if not parsed.message_id:
        parsed.flag("no-message-id", "The message has no valid Message-ID header.")
    parsed.in_reply_to = (message_ids(_header(msg, "In-Reply-To", parsed)) or [""])[0]
    parsed.references = message_ids(_header(msg, "References", parsed))[-50:]
    subject = _header(msg, "Subject", parsed)
    if len(subject) > SUBJECT_MAX:
        parsed.flag("long-subject", f"The subject is {len(subject)} characters; it was cut.")
    parsed.subject = subject[:SUBJECT_MAX]
    from_value = _header(msg, "From", parsed)
    addresses = email.utils.getaddresses([from_value]) if from_value else []
    addresses = [(n, a) for n, a in addresses if "@" in a]
    if not addresses:
        parsed.flag("no-sender", "The message has no usable From address.")
    else:
        if len(addresses) > 1:
            parsed.flag(
                "many-senders", "The From header names several addresses; the first is used."
            )
        name, address = addresses[0]
        parsed.sender_name = clean_text(name, 200)
        parsed.sender = clean_text(address.strip().lower(), 254)
        if not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", parsed.sender):
            parsed.flag("bad-sender", f"The sender {parsed.sender!r} is not an email address.")
            parsed.sender = ""
    recipients: list[str] = []
    for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
        value = _header(msg, name, parsed)
        recipients += [a.lower() for _n, a in email.utils.getaddresses([value]) if "@" in a]
    parsed.recipients = recipients
    auto = _header(msg, "Auto-Submitted", parsed).lower()
    precedence = _header(msg, "Precedence", parsed).lower()
    if (
        (auto and auto != "no")
        or precedence in AUTO_PRECEDENCE
        or _header(msg, "X-Autoreply", parsed)
        or _header(msg, "X-Autorespond", parsed)
        or _header(msg, "X-Auto-Response-Suppress", parsed).lower() in {"all", "oof"}
    ):
        parsed.auto_reply = True
    ctype = msg.get_content_type()
    if (ctype == "multipart/report") or BOUNCE_SENDERS.match(parsed.sender or ""):
        parsed.bounce = True
    return_path = _header(msg, "Return-Path", parsed)
    if return_path.strip() == "<>" and not parsed.bounce:
        parsed.auto_reply = True


def _filename(part: Message, parsed: Parsed) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = clean_text(name).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:200] or "attachment.bin"


def _walk(part: Message, parsed: Parsed, *, depth: int, budget: list[int], big: bool) -> None:
    if depth > MAX_DEPTH:
        parsed.flag(
            "too-deep", f"MIME parts nest deeper than {MAX_DEPTH}; deeper parts are kept raw only."
        )
        return
    budget[0] -= 1
    if budget[0] < 0:
        parsed.flag("too-many-parts", f"The message has more than {MAX_PARTS} MIME parts.")
        return
    for defect in getattr(part, "defects", []):
        parsed.flag("malformed-mime", defect_reason(defect))
    ctype = part.get_content_type()
    if part.is_multipart():
        _walk_multipart(part, parsed, ctype, depth=depth, budget=budget, big=big)
        return
    disposition = (part.get_content_disposition() or "").lower()
    if ctype in {"message/delivery-status", "text/rfc822-headers"} or (
        ctype == "message/rfc822" and parsed.bounce
    ):
        try:
            text = part.as_string()
        except Exception:
            text = ""
        parsed.bounced_message_ids += message_ids(
            "\n".join(line for line in text.splitlines() if line.lower().startswith("message-id"))
        )
        return
    if ctype == "message/rfc822":
        payload: Any = part.get_payload()
        if isinstance(payload, list):
            for child in payload:
                _walk(child, parsed, depth=depth + 1, budget=budget, big=big)
        return
    if ctype in {"text/plain", "text/html"} and disposition != "attachment":
        text = _decode_part(part, parsed)
        if ctype == "text/html":
            text = html_to_text(text)
            if not parsed.body:
                parsed.html_only = True
        if "-----BEGIN PGP MESSAGE-----" in text:
            armor = text[text.index("-----BEGIN PGP MESSAGE-----") :]
            end = armor.find("-----END PGP MESSAGE-----")
            if end >= 0:
                parsed.encrypted_parts.append(armor[: end + 25].encode())
        elif "-----BEGIN PGP SIGNED MESSAGE-----" in text:
            parsed.inline_signed = text
        parsed.body += ("\n\n" if parsed.body else "") + text.strip()
        return
    if ctype == "application/pgp-signature":
        return
    if big:
        return
    _attachment(part, parsed, ctype)


def _walk_multipart(
    part: Message, parsed: Parsed, ctype: str, *, depth: int, budget: list[int], big: bool
) -> None:
    payload: Any = part.get_payload()
    if ctype == "multipart/encrypted" and isinstance(payload, list) and len(payload) >= 2:
        data = payload[1].get_payload(decode=True)
        if isinstance(data, bytes):
            parsed.encrypted_parts.append(data)
            return
    if ctype == "multipart/signed" and isinstance(payload, list) and len(payload) == 2:
        try:
            signed = payload[0].as_bytes(policy=email.policy.SMTP)
            sig = payload[1].get_payload(decode=True)
            if isinstance(sig, bytes):
                parsed.signed = (signed, sig)
        except Exception as exc:
            parsed.flag("bad-signature-part", f"The signed part cannot be read: {exc}.")
    if ctype == "multipart/report":
        parsed.bounce = True
    children: list[Any] = payload if isinstance(payload, list) else []
    alternative = ctype == "multipart/alternative"
    if alternative:
        plain = [c for c in children if c.get_content_type() == "text/plain"]
        if plain:
            children = [c for c in children if c.get_content_type() != "text/html"]
    for child in children:
        if isinstance(child, Message):
            _walk(child, parsed, depth=depth + 1, budget=budget, big=big)


def _attachment(part: Message, parsed: Parsed, ctype: str) -> None:
    name = _filename(part, parsed)
    try:
        data: Any = _decoded(part, parsed)
    except Exception as exc:
        parsed.flag("bad-attachment", f"The attachment {name!r} cannot be decoded: {exc}.")
        return
    if not isinstance(data, bytes):
        return
    max_size = settings.VULNDESK_MAIL_MAX_ATTACHMENT_BYTES
    max_count = settings.VULNDESK_MAIL_MAX_ATTACHMENTS
    if len(data) > max_size:
        parsed.flag(
            "attachment-too-large",
            f"The attachment {name!r} is {len(data)} bytes, over the {max_size} byte limit; "
            "it is only in the raw message.",
        )
        return
    if len(parsed.attachments) >= max_count:
        parsed.flag(
            "too-many-attachments",
            f"More than {max_count} attachments; {name!r} and later ones are only in the "
            "raw message.",
        )
        return
    parsed.attachments.append(ParsedAttachment(name, clean_text(ctype, 255), data))
