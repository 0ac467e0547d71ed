"""CWE lookup and affected version ranges."""

from __future__ import annotations

import pytest

from vulndesk.advisories.cwe import cwe_get, cwe_search
from vulndesk.advisories.versions import (
    BranchFix,
    VersionRange,
    affected,
    ranges_for_branches,
    ranges_in_words,
)
from vulndesk.core.errors import ValidationFailed


@pytest.mark.parametrize("given", ["CWE-22", "22", 22, "cwe 22", " CWE-22 "])
def test_cwe_is_found_by_any_usual_spelling(given: str | int) -> None:
    cwe = cwe_get(given)
    assert cwe.label == (
        "CWE-22 Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"
    )


def test_unknown_or_malformed_cwe_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="CWE-999999 is not in the CWE list"):
        cwe_get("CWE-999999")
    with pytest.raises(ValidationFailed, match="not a CWE id"):
        cwe_get("path traversal")


def test_cwe_search_matches_every_word() -> None:
    found = cwe_search("regular expression complexity")
    assert [c.id for c in found] == ["CWE-1333"]
    assert cwe_search("") == []


def test_python_39_and_earlier_is_less_than_310_not_le_39() -> None:
    r = VersionRange("0", fixed="3.10")
    assert r.words() == "3.9 and earlier"
    assert r.contains("3.9.20")  # a "<= 3.9" range would miss this
    assert not r.contains("3.10.0")


def test_pre_releases_are_inside_ranges() -> None:
    r = VersionRange("0", fixed="3.13.0rc2")
    assert r.contains("3.13.0a1")
    assert r.contains("3.13.0rc1")
    assert not r.contains("3.13.0rc2")
    assert not r.contains("3.13.0")
    assert affected("3.13.0b4", [r])


@pytest.mark.parametrize(
    ("r", "words"),
    [
        (VersionRange("3.12.0", fixed="3.12.6"), "3.12.0 before 3.12.6"),
        (VersionRange("3.10.0"), "3.10 and later"),
        (VersionRange(), "all versions"),
        (VersionRange("0", last_affected="3.13.0"), "3.13.0 and earlier"),
        (VersionRange("3.12.1", last_affected="3.12.4"), "3.12.1 through 3.12.4"),
        (VersionRange("0", fixed="3.12.6"), "versions before 3.12.6"),
    ],
)
def test_ranges_read_as_words(r: VersionRange, words: str) -> None:
    assert r.words() == words


def test_all_versions_sentence_names_the_product() -> None:
    assert ranges_in_words("Python", [VersionRange()]) == "all versions of Python"
    assert ranges_in_words("Python", [VersionRange("0", fixed="3.10")]) == (
        "Python 3.9 and earlier"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"introduced": "3.12.5", "fixed": "3.12.1"}, "comes before"),
        ({"introduced": "3.12.1", "fixed": "3.12.1"}, "is empty"),
        ({"introduced": "three", "fixed": "3.12.1"}, "'three' is not a valid version"),
        ({"fixed": "3.12.1", "last_affected": "3.12.0"}, "either"),
    ],
)
def test_bad_ranges_are_refused(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        VersionRange(**kwargs)


def test_one_range_per_branch_counts_end_of_life_branches_from_zero() -> None:
    branches = [
        BranchFix("3.8", "3.8.0", "3.8.19"),
        BranchFix("3.9", "3.9.0", "3.9.19"),
        BranchFix("3.10", "3.10.0", "3.10.14"),
        BranchFix("3.11", "3.11.0", "3.11.8"),
        BranchFix("3.12", "3.12.0", "3.12.2"),
        BranchFix("3.13", "3.13.0a1", "3.13.0a3"),
    ]
    # Exactly the ranges of the PSF's CVE-2024-0450 record.
    assert [(r.introduced, r.fixed) for r in ranges_for_branches(branches)] == [
        ("0", "3.8.19"),
        ("3.9.0", "3.9.19"),
        ("3.10.0", "3.10.14"),
        ("3.11.0", "3.11.8"),
        ("3.12.0", "3.12.2"),
        ("3.13.0a1", "3.13.0a3"),
    ]


def test_branch_without_fix_stays_affected_until_the_next_branch() -> None:
    branches = [
        BranchFix("3.7", "3.7.0"),  # end of life, never fixed
        BranchFix("3.8", "3.8.0", "3.8.19"),
        BranchFix("3.6", "3.6.0"),  # before the bug was introduced
    ]
    ranges = ranges_for_branches(branches, introduced="3.7.2")
    assert [(r.introduced, r.fixed) for r in ranges] == [("3.7.2", "3.8.0"), ("3.8.0", "3.8.19")]
    assert not affected("3.7.1", ranges)
    assert affected("3.7.9", ranges)
    assert not affected("3.8.19", ranges)
