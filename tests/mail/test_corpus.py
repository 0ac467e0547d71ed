"""The corpus (tests/mail/corpus): malformed mail never crashes the ingest, is never lost,
and is flagged with a reason a person can read; real-world mail goes through clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Personas
from vulndesk.mail.ingest import ingest_bytes
from vulndesk.mail.models import RawMessage

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "corpus"
BAD = sorted(CORPUS.glob("bad-*.eml"))
GOOD = sorted(CORPUS.glob("good-*.eml"))


@pytest.fixture
def limits(settings: Any) -> None:
    settings.VULNDESK_MAIL_MAX_MESSAGE_BYTES = 200_000
    settings.VULNDESK_MAIL_MAX_ATTACHMENT_BYTES = 20_000
    settings.VULNDESK_MAIL_MAX_ATTACHMENTS = 5
    settings.VULNDESK_MAIL_ACKNOWLEDGE = False


def test_the_corpus_has_at_least_50_malformed_messages() -> None:
    assert len(BAD) >= 50


def test_every_malformed_message_is_kept_and_flagged_with_a_reason(
    personas: Personas, limits: None
) -> None:
    unflagged = []
    for path in BAD:
        data = path.read_bytes()
        raw = ingest_bytes(data, source="stdin")
        raw = RawMessage.objects.get(pk=raw.pk)
        assert bytes(raw.data) == data, path.name  # nothing lost, every byte
        assert raw.status in (RawMessage.Status.FLAGGED, RawMessage.Status.FAILED), path.name
        if not raw.flags:
            unflagged.append(path.name)
        for flag in raw.flags:
            assert flag["code"], path.name
            assert len(flag["reason"].split()) >= 4, (path.name, flag)  # a sentence
        assert raw.status != RawMessage.Status.FAILED, (path.name, raw.flags)  # no crash
    assert unflagged == []
    assert RawMessage.objects.count() == len(BAD)


EXPECTED = {
    "bad-subject-injection.eml": "header-injection",
    "bad-from-injection.eml": "bad-header",
    "bad-to-injection.eml": "bad-header",
    "bad-bad-base64.eml": "bad-encoding",
    "bad-bad-qp.eml": "bad-encoding",
    "bad-unknown-cte.eml": "unknown-encoding",
    "bad-unfolded-long-header.eml": "long-line",
    "bad-raw-8bit-header.eml": "bad-header",
    "bad-unknown-charset.eml": "unknown-charset",
    "bad-deep-nesting.eml": "too-deep",
    "bad-too-large.eml": "too-large",
    "bad-too-many-parts.eml": "too-many-parts",
    "bad-nul-bytes.eml": "nul-bytes",
    "bad-no-from.eml": "no-sender",
    "bad-no-message-id.eml": "no-message-id",
    "bad-attachment-too-large.eml": "attachment-too-large",
    "bad-too-many-attachments.eml": "too-many-attachments",
    "bad-long-subject.eml": "long-subject",
    "bad-missing-boundary.eml": "malformed-mime",
    "bad-pgp-mime-no-key.eml": "cannot-decrypt",
    "bad-bad-signature.eml": "bad-signature",
    "bad-misdirected-recipient.eml": "no-team",
}


@pytest.mark.parametrize(("name", "code"), sorted(EXPECTED.items()))
def test_specific_problems_get_their_own_flag(
    personas: Personas, limits: None, name: str, code: str
) -> None:
    raw = ingest_bytes((CORPUS / name).read_bytes(), source="stdin")
    assert code in [f["code"] for f in raw.flags], raw.flags


def test_header_injection_never_reaches_a_header_or_the_title(
    personas: Personas, limits: None
) -> None:
    raw = ingest_bytes((CORPUS / "bad-subject-injection.eml").read_bytes(), source="stdin")
    assert "\n" not in raw.subject
    assert raw.report is not None
    assert "\n" not in raw.report.title


def test_real_world_messages_go_through_without_flags(personas: Personas, limits: None) -> None:
    for path in GOOD:
        raw = ingest_bytes(path.read_bytes(), source="stdin")
        assert raw.status == RawMessage.Status.PROCESSED, (path.name, raw.flags)
        assert raw.kind == RawMessage.Kind.NEW_REPORT, path.name
        assert raw.report is not None
        assert raw.report.body.strip(), path.name
