"""Duplicate search: planted duplicates rank in the top 3, explained by shared terms."""

from __future__ import annotations

import random
import re
from typing import Any

from tests.triage import corpus
from tests.triage.conftest import Loaded
from vulndesk.triage.duplicates import TfidfIndex, brute_force_search, similar_reports


def test_planted_duplicates_are_in_the_top_3_of_the_team(loaded_corpus: Loaded) -> None:
    for name, (original, _title, _body) in corpus.DUPLICATES.items():
        matches = similar_reports(loaded_corpus.reports[name], limit=3)
        keys = [m.key for m in matches]
        assert loaded_corpus.reports[original].key in keys, (name, keys)
        best = next(m for m in matches if m.key == loaded_corpus.reports[original].key)
        assert best.shared_terms, "a match explains itself"
        assert 0 < best.score <= 1.0 + 1e-9


def test_explanation_lists_the_shared_terms() -> None:
    index = TfidfIndex(
        [
            ("A-1", "Quadratic time in http.cookies", "open", "SimpleCookie backslashes slow"),
            ("A-2", "Crash in zipfile", "open", "zipfile.Path crash"),
        ]
    )
    match = index.search("Slow SimpleCookie", "http.cookies with backslashes", limit=1)[0]
    assert match.key == "A-1"
    assert {"simplecookie", "backslashes", "http.cookies"} <= set(match.shared_terms)


def synthetic_corpus(n: int, seed: int = 7) -> list[tuple[str, str, str, str]]:
    """``n`` filler reports (for the 10,000-report check).

    Like real reports, each mixes a few common security words and stdlib modules with
    words from a large vocabulary drawn with a Zipf-like skew (most words are rare).
    """
    rng = random.Random(seed)
    modules = re.findall(
        r"\w+",
        "zipfile tarfile email http urllib ssl json xml socket asyncio shutil pathlib plistlib "
        "gzip base64 ipaddress",
    )
    common = re.findall(
        r"\w+",
        "crash overflow leak traversal injection bypass parse header quadratic memory "
        "timeout redirect symlink unicode encoding decode buffer length limit invalid "
        "crafted input server client cookie archive member path file directory token",
    )
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocabulary = [
        "".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(5000)
    ]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    docs = []
    for i in range(n):
        title = f"{rng.choice(common)} in {rng.choice(modules)} {rng.choice(common)}"
        words = rng.choices(common + modules, k=10) + rng.choices(vocabulary, weights, k=30)
        docs.append((f"S-{i:05d}", title, "triage", " ".join(words)))
    return docs


def test_planted_duplicates_found_in_top_3_among_10000_reports() -> None:
    docs = synthetic_corpus(10_000)
    originals = {}
    for name, (title, body) in corpus.VALID.items():
        docs.append((name, title, "triage", body))
        originals[name] = (title, body)
    index = TfidfIndex(docs)
    for name, (original, title, body) in corpus.DUPLICATES.items():
        keys = [m.key for m in index.search(title, body, limit=3)]
        assert original in keys, (name, keys)


def test_inverted_index_agrees_with_brute_force() -> None:
    docs = synthetic_corpus(300, seed=3)
    title, body = "crash in zipfile archive", "crafted member path traversal symlink"
    fast = [(m.key, round(m.score, 9)) for m in TfidfIndex(docs).search(title, body, limit=5)]
    slow = [(k, round(s, 9)) for k, s in brute_force_search(docs, title, body, limit=5)]
    assert fast == slow


def test_duplicates_stay_within_the_team(personas: Any, loaded_corpus: Loaded) -> None:
    from vulndesk.reports import services as rs

    original = loaded_corpus.reports["zip-traversal"]
    elsewhere = rs.report_create(
        team=personas.other_team,
        reporter_email="x@y.test",
        title=original.title,
        body=original.body,
    )
    keys = [m.key for m in similar_reports(elsewhere, limit=5)]
    assert original.key not in keys
