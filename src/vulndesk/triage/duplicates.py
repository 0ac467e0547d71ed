"""Duplicate search: TF-IDF cosine similarity over title and body, explained by shared terms.

The index is an inverted index (term -> documents), so a query touches only the
documents that share a term with it. Titles count twice. Built from the team's reports
(published ones stand for the team's advisories); nothing leaves the team.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vulndesk.reports.models import Report, State

TOKEN_RE = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    also may might must one two using used use uses via get gets got make makes see hi hello
    thanks thank regards please report reported reporting vulnerability issue python""".split()  # noqa: SIM905 - a word list reads best as text
)


def tokens(text: str) -> list[str]:
    """Words and dotted names; a dotted name also yields its parts (zipfile.path -> zipfile)."""
    out: list[str] = []
    for tok in TOKEN_RE.findall(text.lower()):
        if "." in tok:
            out.append(tok)
            out.extend(p for p in tok.split(".") if len(p) > 2 and p not in STOPWORDS)
        elif len(tok) > 2 and tok not in STOPWORDS:
            out.append(tok)
    return out


def document_terms(title: str, body: str) -> Counter[str]:
    terms = Counter(tokens(body))
    for tok in tokens(title):
        terms[tok] += 2
    return terms


@dataclass(frozen=True)
class Match:
    key: str
    title: str
    state: str
    score: float
    shared_terms: list[str]

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "state": self.state,
            "advisory": self.state == State.PUBLISHED,
            "score": round(self.score, 3),
            "shared_terms": self.shared_terms,
        }


class TfidfIndex:
    """An in-memory TF-IDF index over (key, title, state, body) documents."""

    def __init__(self, documents: Iterable[tuple[str, str, str, str]]) -> None:
        self.keys: list[str] = []
        self.titles: list[str] = []
        self.states: list[str] = []
        raw: list[Counter[str]] = []
        df: Counter[str] = Counter()
        for key, title, state, body in documents:
            terms = document_terms(title, body)
            self.keys.append(key)
            self.titles.append(title)
            self.states.append(state)
            raw.append(terms)
            df.update(terms.keys())
        self.n = len(raw)
        self.df = df
        self.postings: dict[str, list[tuple[int, float]]] = {}
        self.vectors: list[dict[str, float]] = []
        for doc, terms in enumerate(raw):
            vector = self._weigh(terms)
            self.vectors.append(vector)
            for term, weight in vector.items():
                self.postings.setdefault(term, []).append((doc, weight))

    def idf(self, term: str) -> float:
        return math.log((self.n + 1) / (self.df.get(term, 0) + 1)) + 1.0

    def _weigh(self, terms: Counter[str]) -> dict[str, float]:
        vector = {t: (1.0 + math.log(c)) * self.idf(t) for t, c in terms.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {t: w / norm for t, w in vector.items()}

    def query_vector(self, title: str, body: str) -> dict[str, float]:
        return self._weigh(document_terms(title, body))

    def search(
        self,
        title: str,
        body: str,
        *,
        limit: int = 5,
        exclude: str = "",
        states: Sequence[str] | None = None,
    ) -> list[Match]:
        query = self.query_vector(title, body)
        scores: dict[int, float] = {}
        get = scores.get
        for term, qw in query.items():
            for doc, dw in self.postings.get(term, ()):
                scores[doc] = get(doc, 0.0) + qw * dw
        wanted = set(states) if states else None
        if wanted is None:
            # Only the best few are needed: a heap instead of sorting every candidate.
            ranked = heapq.nsmallest(limit + 1, scores.items(), key=lambda kv: (-kv[1], kv[0]))
        else:
            ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        matches: list[Match] = []
        for doc, score in ranked:
            if self.keys[doc] == exclude or (wanted and self.states[doc] not in wanted):
                continue
            matches.append(
                Match(
                    key=self.keys[doc],
                    title=self.titles[doc],
                    state=self.states[doc],
                    score=score,
                    shared_terms=self._shared(query, doc),
                )
            )
            if len(matches) >= limit:
                break
        return matches

    def _shared(self, query: dict[str, float], doc: int) -> list[str]:
        vector = self.vectors[doc]
        contributions = [(qw * vector[t], t) for t, qw in query.items() if t in vector]
        contributions.sort(reverse=True)
        return [term for _, term in contributions[:8]]


def brute_force_search(
    documents: Sequence[tuple[str, str, str, str]], title: str, body: str, limit: int = 5
) -> list[tuple[str, float]]:
    """The baseline: weigh every document and compare each with the query (benchmarks)."""
    index = TfidfIndex(documents)
    query = index.query_vector(title, body)
    results = []
    for key, d_title, _state, d_body in documents:
        vector = index._weigh(document_terms(d_title, d_body))
        score = sum(w * vector.get(t, 0.0) for t, w in query.items())
        results.append((key, score))
    results.sort(key=lambda kv: -kv[1])
    return results[:limit]


def team_index(team_id: int) -> TfidfIndex:
    """The index of one team's reports (published ones are its advisories)."""
    rows = Report.objects.filter(team_id=team_id).values_list("key", "title", "state", "body")
    return TfidfIndex(rows.iterator(chunk_size=2000))


def similar_reports(
    report: Report, *, limit: int = 5, states: Sequence[str] | None = None
) -> list[Match]:
    """The team's reports (and published advisories) most like ``report``, best first."""
    return team_index(report.team_id).search(
        report.title, report.body, limit=limit, exclude=report.key, states=states
    )
