"""Triage advice: the readiness checklist, junk signals and the ranked inbox."""

from __future__ import annotations

from typing import Any

from tests.triage.conftest import Loaded
from vulndesk.reports import services as rs
from vulndesk.triage import components
from vulndesk.triage.assessment import assess, assess_text, checklist
from vulndesk.triage.selectors import triage_inbox
from vulndesk.triage.services import api_index_load, reporter_flag

POSITIVE = {"junk", "misdirected"}
FLOOR = 0.9


def test_inbox_ranks_junk_and_misdirected_first_with_precision_and_recall_floor(
    personas: Any, loaded_corpus: Loaded
) -> None:
    rows = triage_inbox(personas.team, user=personas.admin)
    by_key = {r.key: name for name, r in loaded_corpus.reports.items()}
    assert len(rows) == len(loaded_corpus.reports) >= 40
    ranked = [loaded_corpus.labels[by_key[row.report.key]] for row in rows]
    positives = sum(1 for label in loaded_corpus.labels.values() if label in POSITIVE)
    # Ranking: the top of the inbox is the junk and the wrong-project reports.
    top_precision = sum(1 for label in ranked[:positives] if label in POSITIVE) / positives
    # Classification: the suggestion (spam/misdirected vs plausible).
    predicted = {by_key[r.report.key] for r in rows if r.assessment.suggestion != "plausible"}
    actual = {n for n, label in loaded_corpus.labels.items() if label in POSITIVE}
    precision = len(predicted & actual) / len(predicted)
    recall = len(predicted & actual) / len(actual)
    assert top_precision >= FLOOR
    assert precision >= FLOOR
    assert recall >= FLOOR


def test_misdirected_reports_name_where_to_report(personas: Any, loaded_corpus: Loaded) -> None:
    advice = assess(loaded_corpus.reports["requests-redirect"])
    assert advice.suggestion == "misdirected"
    assert advice.misdirected_to == {
        "project": "requests",
        "url": "https://github.com/psf/requests/security",
    }
    assert assess(loaded_corpus.reports["zip-traversal"]).misdirected_to is None


def test_invented_stdlib_names_are_named_as_evidence() -> None:
    advice = assess_text(
        "RCE in json.loads_unsafe",
        "json.loads_unsafe and os.secure_exec are exploitable; json.loads is fine.",
    )
    invented = next(s for s in advice.signals if s.code == "invented-names")
    assert "json.loads_unsafe" in invented.evidence
    assert "os.secure_exec" in invented.evidence
    assert "json.loads," not in invented.evidence + ","


def test_stdlib_index_maps_report_to_existing_components() -> None:
    text = "from http.cookies import SimpleCookie\nos.path.join and email.utils.parseaddr"
    assert components.components(text) == ["http.cookies", "os.path", "email.utils"]
    checks = {c.reference: c.exists for c in components.check_references(text)}
    assert checks["http.cookies.SimpleCookie"] is True
    assert checks["email.utils.parseaddr"] is True


def test_teams_load_their_own_api_index(personas: Any, new_report: Any) -> None:
    api_index_load(personas.project, actor=personas.admin, names=["pip._internal.req", "pip.main"])
    report = new_report("Bug in pip.main", "pip.main and pip.secret_install misbehave\n$ pip x")
    advice = assess(report)
    invented = next(s for s in advice.signals if s.code == "invented-names")
    assert "pip.secret_install" in invented.evidence
    assert "pip.main" in advice.components


def test_checklist_follows_the_security_policy() -> None:
    good = checklist(
        "Tested on Python 3.12.1. An attacker who controls untrusted input causes a crash.\n"
        "```python\nimport sys\nsys.exit(1)\n```\nNo AI tools were used.",
        ["zipfile"],
    )
    assert all(item["ok"] for item in good), good
    bad = {i["code"]: i["ok"] for i in checklist("See the attached report.pdf", [])}
    assert bad == {
        "poc": False,
        "versions": False,
        "component": False,
        "impact": False,
        "threat-model": False,
        "plain-text": False,
        "ai-disclosed": False,
    }


def test_out_of_scope_per_documented_threat_model(personas: Any, new_report: Any) -> None:
    report = new_report("pickle is unsafe", "pickle.loads on untrusted data runs code.\n$ x")
    signal = next(s for s in assess(report).signals if s.code == "out-of-scope")
    assert "pickle" in signal.evidence


def test_sender_history_and_flag_raise_the_score(personas: Any, new_report: Any) -> None:
    first = new_report("Thing one", "Something odd in zipfile.Path\n$ x", sender="x@s.test")
    baseline = assess(first).score
    rs.report_triage(first, actor=personas.admin, outcome="spam")
    second = new_report("Thing two", "Something odd in tarfile.open\n$ x", sender="x@s.test")
    advice = assess(second)
    assert advice.history == {"earlier": 1, "spam": 1, "misdirected": 0, "rejected": 0}
    assert any(s.code == "sender-history" for s in advice.signals)
    reporter_flag(personas.team, actor=personas.admin, email="x@s.test", reason="Serial junk.")
    flagged = assess(second)
    assert any(s.code == "flagged-sender" and "Serial junk" in s.evidence for s in flagged.signals)
    assert flagged.score > advice.score > baseline


def test_report_like_known_junk_is_marked(personas: Any, loaded_corpus: Loaded) -> None:
    junk = loaded_corpus.reports["ai-rce-json"]
    rs.report_triage(junk, actor=personas.admin, outcome="spam")
    again = rs.report_create(
        team=personas.team,
        reporter_email="new@sender.test",
        title="Critical Remote Code Execution vulnerability in json.loads_unsafe",
        body=junk.body,
    )
    signal = next(s for s in assess(again).signals if s.code == "like-known-junk")
    assert junk.key in signal.evidence


def test_inbox_is_for_team_members_only(personas: Any, loaded_corpus: Loaded) -> None:
    import pytest

    from vulndesk.core.errors import NotFound

    for outsider in (personas.other_admin, personas.reporter, personas.collaborator, None):
        with pytest.raises(NotFound):
            triage_inbox(personas.team, user=outsider)
    assert triage_inbox(personas.team, user=personas.member)
