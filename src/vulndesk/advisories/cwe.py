"""The CWE list (from the ``cwe2`` package): look up a weakness, search by words.

cwe2 re-reads its CSV files on every ``Database.get``; we index them once per process.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from vulndesk.core.errors import ValidationFailed


@dataclass(frozen=True)
class Cwe:
    number: int
    name: str

    @property
    def id(self) -> str:
        return f"CWE-{self.number}"

    @property
    def label(self) -> str:
        """As CVE records write it: "CWE-22 Improper Limitation of a Pathname ..."."""
        return f"{self.id} {self.name}"


@lru_cache(maxsize=1)
def _index() -> dict[int, str]:
    # Not cwe2.database: its Database class opens every CSV file at import and never
    # closes them (ResourceWarnings). The same paths come from cwe2.mappings.
    from cwe2 import mappings

    paths = [
        entry["csv_file"]
        for table in (
            mappings.navigate_cwe,
            mappings.external_mapping,
            mappings.helpful_view,
            mappings.obsolete_views,
        )
        for entry in table.values()
    ]
    names: dict[int, str] = {}
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                number, name = (row.get("CWE-ID") or "").strip(), (row.get("Name") or "").strip()
                if number.isdigit() and name:
                    names.setdefault(int(number), name)
    return names


_CWE_RE = re.compile(r"^\s*(?:CWE)?[-\s]?(\d+)\s*$", re.IGNORECASE)


def cwe_number(text: str | int) -> int:
    """22, "22", "CWE-22" or "cwe 22" -> 22; anything else is refused."""
    match = _CWE_RE.match(str(text))
    if not match:
        raise ValidationFailed(f"{text!r} is not a CWE id (write it as CWE-22 or 22).")
    return int(match.group(1))


def cwe_get(text: str | int) -> Cwe:
    """The weakness with this id, or a refusal naming the unknown id."""
    number = cwe_number(text)
    name = _index().get(number)
    if name is None:
        raise ValidationFailed(f"CWE-{number} is not in the CWE list.")
    return Cwe(number, name)


def cwe_search(words: str, *, limit: int = 20) -> list[Cwe]:
    """Weaknesses whose id or name contains every word of ``words``."""
    terms = words.lower().split()
    if not terms:
        return []
    found = []
    for number, name in sorted(_index().items()):
        haystack = f"cwe-{number} {name}".lower()
        if all(term in haystack for term in terms):
            found.append(Cwe(number, name))
            if len(found) >= limit:
                break
    return found
