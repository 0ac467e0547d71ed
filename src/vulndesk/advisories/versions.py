"""Affected version ranges: evaluate them with ``packaging`` and say them in words.

A range is CVE JSON 5's ``version`` -> ``lessThan`` (or ``lessThanOrEqual``), with "0"
meaning "from the first release". "Python 3.9 and earlier" is ``0 -> lessThan 3.10``,
never ``<= 3.9`` (3.9.20 would slip through). Pre-releases count: ``3.13.0a1`` is inside
``0 -> lessThan 3.13.0rc2``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from vulndesk.core.errors import ValidationFailed


def parse_version(text: str, *, what: str = "version") -> Version:
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise ValidationFailed(f"The {what} {text!r} is not a valid version.") from exc


@dataclass(frozen=True)
class VersionRange:
    """``introduced`` ("0" = from the start) up to ``fixed`` (exclusive) or
    ``last_affected`` (inclusive); neither means "and later"."""

    introduced: str = "0"
    fixed: str = ""
    last_affected: str = ""

    def __post_init__(self) -> None:
        if self.fixed and self.last_affected:
            raise ValidationFailed("A range ends either before a fix or at a last affected one.")
        start = parse_version(self.introduced or "0", what="first affected version")
        for end, what in ((self.fixed, "fixed version"), (self.last_affected, "last version")):
            if end and parse_version(end, what=what) < start:
                raise ValidationFailed(
                    f"The {what} {end} comes before the first affected version {self.introduced}."
                )
        if self.fixed and parse_version(self.fixed) == start:
            raise ValidationFailed(f"The range {self.introduced} before {self.fixed} is empty.")

    def contains(self, version: str | Version) -> bool:
        v = version if isinstance(version, Version) else parse_version(version)
        if v < Version(self.introduced or "0"):
            return False
        if self.fixed:
            return v < Version(self.fixed)
        if self.last_affected:
            return v <= Version(self.last_affected)
        return True

    def words(self) -> str:
        """ "3.9 and earlier", "3.12.0 before 3.12.6", "3.10 and later", "all versions"."""
        start = self.introduced if self.introduced not in ("", "0") else ""
        if self.fixed:
            end = Version(self.fixed)
            if not start:
                previous = _previous_branch(end)
                return f"{previous} and earlier" if previous else f"versions before {self.fixed}"
            return f"{start} before {self.fixed}"
        if self.last_affected:
            if not start:
                return f"{self.last_affected} and earlier"
            return f"{start} through {self.last_affected}"
        if not start:
            return "all versions"
        v = Version(start)
        if v.micro == 0 and not v.is_prerelease and len(v.release) <= 3:
            return f"{v.major}.{v.minor} and later"
        return f"{start} and later"


def _previous_branch(end: Version) -> str:
    """For a range ending before the first release of a branch (3.10 or 3.10.0), the
    branch before it (3.9); otherwise empty."""
    if end.is_prerelease or end.is_devrelease or end.is_postrelease:
        return ""
    release = end.release + (0,) * (3 - len(end.release))
    major, minor, micro = release[:3]
    if micro != 0 or minor == 0:
        return ""
    return f"{major}.{minor - 1}"


def affected(version: str, ranges: Iterable[VersionRange]) -> bool:
    """Is ``version`` inside any of ``ranges``?"""
    v = parse_version(version)
    return any(r.contains(v) for r in ranges)


def ranges_in_words(product: str, ranges: Sequence[VersionRange]) -> str:
    """The advisory sentence: "Python 3.9 and earlier, 3.10.0 before 3.10.14"."""
    if not ranges:
        return ""
    parts = [r.words() for r in ranges]
    if parts == ["all versions"]:
        return f"all versions of {product}"
    return f"{product} " + ", ".join(parts)


@dataclass(frozen=True)
class BranchFix:
    """One release branch as the range builder needs it."""

    name: str  # "3.12"
    first_version: str  # "3.12.0", or "3.13.0a1" for a branch still in pre-release
    fixed_in: str = ""  # the branch's first fixed release, "" if not fixed (e.g. end-of-life)


def ranges_for_branches(
    branches: Sequence[BranchFix], *, introduced: str = "0"
) -> list[VersionRange]:
    """One range per affected branch, oldest first.

    The oldest affected branch starts at ``introduced`` (so "0" also counts every
    end-of-life branch before it, as the PSRT process asks); later ones start at their
    first release. A branch without a fix stays affected up to the next branch.
    """
    start = parse_version(introduced or "0", what="first affected version")
    ordered = sorted(branches, key=lambda b: parse_version(b.first_version))
    ranges: list[VersionRange] = []
    for index, branch in enumerate(ordered):
        following = ordered[index + 1].first_version if index + 1 < len(ordered) else ""
        branch_end = Version(following) if following else None
        if branch_end is not None and branch_end <= start:
            continue  # the whole branch predates the vulnerability
        begin = (introduced or "0") if not ranges else branch.first_version
        if branch.fixed_in:
            fixed = parse_version(branch.fixed_in, what=f"fix release of {branch.name}")
            if fixed <= Version(begin):
                continue  # fixed before it was affected: this branch never shipped it
            ranges.append(VersionRange(begin, fixed=branch.fixed_in))
        else:
            ranges.append(VersionRange(begin, fixed=following))
    return ranges
