"""Advice on a report for the admin who triages it: readiness, junk signals, wrong project.

Everything here reads; a person always decides (services.py acts). Each signal carries
a weight and the evidence that triggered it, so the advice explains itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vulndesk.accounts.models import Project, Team
from vulndesk.reports.models import Report, State
from vulndesk.triage import components as comp

if TYPE_CHECKING:
    from vulndesk.triage.duplicates import TfidfIndex

# --------------------------------------------------------------------------- readiness

CODE_RE = re.compile(
    r"```|^\s{4,}\S|^\s*(?:>>>|\$|import |from \w+ import|def |python3? )|sys\.exit|exit\(1\)",
    re.M,
)
VERSION_RE = re.compile(
    r"\b(?:python\s*)?3\.\d{1,2}(?:\.\d+)?\b|\bversion\s+\d|\bmain branch\b|\bv\d+\.\d+", re.I
)
IMPACT_RE = re.compile(
    r"\b(attacker|allows?|leads? to|results? in|impact|could (?:read|write|execute|crash)|"
    r"denial of service|traversal|injection|overflow|bypass|disclos)",
    re.I,
)
THREAT_RE = re.compile(
    r"\b(untrusted|attacker[- ]controlled|malicious|threat model|crafted|remote)\b", re.I
)
ATTACHMENT_RE = re.compile(r"\.(pdf|docx?|zip|exe|bin|7z|rar)\b|see (?:the )?attach", re.I)
AI_DISCLOSED_RE = re.compile(
    r"\b(no ai|without ai|ai[- ](?:assisted|tools?|use)|llm|chatgpt|copilot|claude|"
    r"generated (?:with|by))\b",
    re.I,
)

# --------------------------------------------------------------------------- junk tells

BOILERPLATE = [
    "as an ai language model",
    "i hope this (?:message|email) finds you well",
    "dear (?:security|python security) team",
    "critical (?:security )?vulnerability",
    "could potentially (?:allow|lead|be)",
    "it is (?:important|crucial) to note",
    "in conclusion",
    "delve",
    "comprehensive (?:analysis|security)",
    "robust (?:security|validation|solution)",
    "immediate attention",
    "bug bounty",
    "reward",
    "severe (?:security )?implications",
    "best practices",
    "malicious actors?",
    "cvss(?: score)?:? ?(?:9\\.8|10\\.0)",
    "remote code execution",
    "full system compromise",
    "sensitive data exposure",
    "the impact of this vulnerability is",
]
BOILERPLATE_RE = [re.compile(rf"\b{p}\b", re.I) for p in BOILERPLATE]

# Well-known third-party projects and where to report their vulnerabilities.
THIRD_PARTY: dict[str, str] = {
    "requests": "https://github.com/psf/requests/security",
    "urllib3": "https://github.com/urllib3/urllib3/security",
    "django": "https://www.djangoproject.com/security/",
    "flask": "https://github.com/pallets/flask/security",
    "werkzeug": "https://github.com/pallets/werkzeug/security",
    "jinja2": "https://github.com/pallets/jinja/security",
    "numpy": "https://github.com/numpy/numpy/security",
    "pandas": "https://github.com/pandas-dev/pandas/security",
    "pyyaml": "https://github.com/yaml/pyyaml/security",
    "cryptography": "https://github.com/pyca/cryptography/security",
    "pillow": "https://github.com/python-pillow/Pillow/security",
    "setuptools": "https://github.com/pypa/setuptools/security",
    "paramiko": "https://github.com/paramiko/paramiko/security",
    "aiohttp": "https://github.com/aio-libs/aiohttp/security",
    "lxml": "https://bugs.launchpad.net/lxml",
    "tornado": "https://github.com/tornadoweb/tornado/security",
    "pip": "https://github.com/pypa/pip/security",
    "twisted": "https://github.com/twisted/twisted/security",
    "scrapy": "https://github.com/scrapy/scrapy/security",
    "fastapi": "https://github.com/fastapi/fastapi/security",
    "sqlalchemy": "https://github.com/sqlalchemy/sqlalchemy/security",
    "pydantic": "https://github.com/pydantic/pydantic/security",
    "boto3": "https://aws.amazon.com/security/vulnerability-reporting/",
    "tensorflow": "https://github.com/tensorflow/tensorflow/security",
    "torch": "https://github.com/pytorch/pytorch/security",
    "pytorch": "https://github.com/pytorch/pytorch/security",
    "node.js": "https://nodejs.org/en/security",
    "openssl": "https://openssl-library.org/news/vulnerabilities/",
}
IMPORT_ALIASES = {"yaml": "pyyaml", "pil": "pillow", "jinja": "jinja2"}
WORD_RE = re.compile(r"[a-z][a-z0-9_.]*[a-z0-9]", re.I)

# Weights of the junk signals (sum capped at 1.0).
WEIGHTS = {
    "invented-names": 0.45,
    "boilerplate": 0.2,
    "no-poc": 0.2,
    "out-of-scope": 0.35,
    "misdirected": 0.6,
    "like-known-junk": 0.4,
    "sender-history": 0.3,
    "flagged-sender": 0.3,
    "no-component": 0.1,
}
JUNK_THRESHOLD = 0.5


@dataclass
class Signal:
    code: str
    weight: float
    evidence: str


@dataclass
class Assessment:
    checklist: list[dict[str, Any]]
    signals: list[Signal]
    components: list[str]
    misdirected_to: dict[str, str] | None
    history: dict[str, int] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(min(1.0, sum(s.weight for s in self.signals)), 2)

    @property
    def readiness(self) -> int:
        return sum(1 for item in self.checklist if item["ok"])

    @property
    def likely_junk(self) -> bool:
        return self.score >= JUNK_THRESHOLD

    @property
    def suggestion(self) -> str:
        if self.misdirected_to:
            return "misdirected"
        if self.likely_junk:
            return "spam"
        return "plausible"

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "suggestion": self.suggestion,
            "readiness": f"{self.readiness}/{len(self.checklist)}",
            "checklist": self.checklist,
            "signals": [
                {"code": s.code, "weight": s.weight, "evidence": s.evidence} for s in self.signals
            ],
            "components": self.components,
            "misdirected_to": self.misdirected_to,
            "history": self.history,
        }


def checklist(text: str, component_names: list[str]) -> list[dict[str, Any]]:
    """The CPython security policy's readiness list for a report."""
    items = [
        ("poc", "A proof of concept (ideally a script: exit 1 if vulnerable, 0 if not)",
         bool(CODE_RE.search(text))),
        ("versions", "Versions tested", bool(VERSION_RE.search(text))),
        ("component", "Affected component named", bool(component_names)),
        ("impact", "Impact stated", bool(IMPACT_RE.search(text))),
        ("threat-model", "Threat model stated (who controls what input)",
         bool(THREAT_RE.search(text))),
        ("plain-text", "Plain text (no PDF or binary attachments only)",
         not ATTACHMENT_RE.search(text)),
        ("ai-disclosed", "AI use disclosed", bool(AI_DISCLOSED_RE.search(text))),
    ]  # fmt: skip
    return [{"code": code, "label": label, "ok": ok} for code, label, ok in items]


def own_names(team: Team) -> set[str]:
    names: set[str] = set()
    for project in Project.objects.filter(team=team):
        for value in (project.slug, project.name, project.package_name):
            if value:
                names.add(value.lower())
    return names


def misdirected_target(text: str, own: set[str]) -> tuple[str, str] | None:
    """A third-party project the report is about (mentioned most, imported, or in the title)."""
    counts: dict[str, int] = {}
    for raw in WORD_RE.findall(text.lower()):
        head = raw.split(".", maxsplit=1)[0]
        word = IMPORT_ALIASES.get(head, head)
        if word in THIRD_PARTY and word not in own:
            counts[word] = counts.get(word, 0) + 1
    if not counts:
        return None
    name, count = max(counts.items(), key=lambda kv: kv[1])
    first_line = text.split("\n", 1)[0].lower()
    if count >= 2 or name in first_line:
        return name, THIRD_PARTY[name]
    return None


def _api_index(report: Report) -> frozenset[str] | None:
    """The loaded index of the report's project, or None for the standard library."""
    from vulndesk.triage.models import ComponentIndex

    if report.project_id is None:
        return None
    index = ComponentIndex.objects.filter(project_id=report.project_id).first()
    return frozenset(index.names) if index else None


def sender_history(report: Report) -> dict[str, int]:
    """Earlier outcomes of the sender's reports across the deployment (counts only)."""
    earlier = Report.objects.filter(reporter_id=report.reporter_id).exclude(pk=report.pk)
    return {
        "earlier": earlier.count(),
        "spam": earlier.filter(state=State.SPAM).count(),
        "misdirected": earlier.filter(state=State.MISDIRECTED).count(),
        "rejected": earlier.filter(state=State.REJECTED).count(),
    }


def assess_text(
    title: str,
    body: str,
    *,
    own: set[str] | None = None,
    index: frozenset[str] | None = None,
    out_of_scope: list[dict[str, str]] | None = None,
) -> Assessment:
    """The text-only part of the assessment (no database)."""
    text = f"{title}\n{body}"
    checks = comp.check_references(text, index=index)
    component_names = list(dict.fromkeys(c.module for c in checks if c.exists is not False))
    signals: list[Signal] = []
    invented = [c.reference for c in checks if c.exists is False]
    if invented:
        signals.append(
            Signal(
                "invented-names",
                WEIGHTS["invented-names"],
                "Names that do not exist: " + ", ".join(invented[:6]),
            )
        )
    tells = [p.pattern.strip("\\b") for p in BOILERPLATE_RE if p.search(text)]
    if len(tells) >= 2:
        signals.append(
            Signal(
                "boilerplate",
                min(0.4, WEIGHTS["boilerplate"] * (len(tells) - 1)),
                f"{len(tells)} generic phrases: " + "; ".join(tells[:5]),
            )
        )
    if not CODE_RE.search(text):
        signals.append(Signal("no-poc", WEIGHTS["no-poc"], "No proof of concept or code."))
    for rule in out_of_scope or []:
        try:
            if re.search(rule["pattern"], text, re.I | re.S):
                signals.append(Signal("out-of-scope", WEIGHTS["out-of-scope"], rule["reason"]))
                break
        except re.error:
            continue
    target = misdirected_target(text, own or set())
    misdirected_to = None
    if target and not component_names:
        misdirected_to = {"project": target[0], "url": target[1]}
        signals.append(
            Signal(
                "misdirected",
                WEIGHTS["misdirected"],
                f"About {target[0]}, a project this team does not cover; report at {target[1]}.",
            )
        )
    elif not component_names:
        signals.append(
            Signal("no-component", WEIGHTS["no-component"], "No existing component is named.")
        )
    return Assessment(
        checklist=checklist(text, component_names),
        signals=signals,
        components=component_names,
        misdirected_to=misdirected_to,
    )


def assess(
    report: Report, *, with_junk_likeness: bool = True, index: TfidfIndex | None = None
) -> Assessment:
    """The full advice on ``report``: text signals, the sender's history and flags,
    and likeness to reports the team already closed as spam."""
    from vulndesk.triage.models import ReporterFlag, TriagePolicy
    from vulndesk.triage.services import policy_for

    policy: TriagePolicy = policy_for(report.team)
    result = assess_text(
        report.title,
        report.body,
        own=own_names(report.team),
        index=_api_index(report),
        out_of_scope=policy.out_of_scope,
    )
    history = sender_history(report)
    result.history = history
    bad = history["spam"] + history["misdirected"] + history["rejected"]
    if bad:
        result.signals.append(
            Signal(
                "sender-history",
                min(0.45, WEIGHTS["sender-history"] * bad),
                f"The sender's earlier reports: {history['spam']} spam, "
                f"{history['misdirected']} misdirected, {history['rejected']} rejected "
                f"(of {history['earlier']}).",
            )
        )
    flag = ReporterFlag.objects.filter(team=report.team, reporter=report.reporter_id).first()
    if flag is not None:
        result.signals.append(
            Signal("flagged-sender", WEIGHTS["flagged-sender"], f"Flagged: {flag.reason}")
        )
    if with_junk_likeness:
        from vulndesk.triage.duplicates import team_index

        index = index or team_index(report.team_id)
        junk = index.search(
            report.title, report.body, limit=1, exclude=report.key, states=[State.SPAM]
        )
        if junk and junk[0].score >= 0.5:
            result.signals.append(
                Signal(
                    "like-known-junk",
                    WEIGHTS["like-known-junk"],
                    f"{junk[0].score:.0%} like {junk[0].key}, closed as spam "
                    f"(shared: {', '.join(junk[0].shared_terms[:5])}).",
                )
            )
    return result
