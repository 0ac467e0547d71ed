"""Input and output shapes of the API (separate: nothing of the input leaks into a response)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

# ------------------------------------------------------------------ output


class ReportSummaryOut(Schema):
    key: str
    state: str
    team: str
    title: str
    project: str | None
    coordinator: str | None
    cve_id: str | None
    severity: str | None
    fix_approach: str | None
    created_at: str | None


class ReportPageOut(Schema):
    items: list[ReportSummaryOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to get the next page; null on the last page."
    )


class ReporterOut(Schema):
    email: str
    name: str


class AdvisoryOut(Schema):
    title: str
    description: str
    affected_versions: str
    affected_components: str
    whole_project: bool
    mitigations: str


class CreditOut(Schema):
    wanted: bool | None
    name: str
    type: str


class FixPROut(Schema):
    url: str
    branch: str
    labels: list[str]
    merged: bool
    merged_at: str | None
    merge_commit: str | None


class CommentOut(Schema):
    at: str | None
    author: str
    visibility: str
    body: str


class EventOut(Schema):
    at: str | None
    actor: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    note: str


class ReportOut(ReportSummaryOut):
    source: str
    reporter: ReporterOut
    body: str
    cvss_vector: str | None
    fix_provider: str | None
    advisory: AdvisoryOut
    credit: CreditOut
    fix_prs: list[FixPROut]
    milestones: dict[str, str | None]
    close_reason: str | None
    collaborators: list[str] | None = Field(
        None, description="Only for the team and invited collaborators."
    )
    comments: list[CommentOut]
    timeline: list[EventOut]


class CollaboratorOut(Schema):
    username: str
    email: str
    invited_by: str | None


class ProjectOut(Schema):
    slug: str
    name: str
    repository_url: str
    ecosystem: str
    package_name: str


class TeamOut(Schema):
    slug: str
    name: str
    key_prefix: str
    role: str
    severity_levels: list[str]
    private_fix_severities: list[str]
    fix_labels: list[str]
    projects: list[ProjectOut]


class MemberOut(Schema):
    username: str
    email: str
    name: str
    role: str


class TokenOut(Schema):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    team: str | None
    created_at: str
    expires_at: str | None
    last_used_at: str | None


class MeOut(Schema):
    username: str
    email: str
    name: str
    teams: list[str]
    token: TokenOut


class PublicAdvisoryOut(Schema):
    key: str
    team: str
    project: str | None
    cve_id: str | None
    severity: str | None
    cvss_vector: str | None
    title: str
    description: str
    affected_versions: str
    affected_components: str
    mitigations: str
    credit: str | None
    published_at: str | None
    fix_prs: list[str]


class PublicAdvisoryPageOut(Schema):
    items: list[PublicAdvisoryOut]
    next_cursor: str | None


# ------------------------------------------------------------------ input


def no_nul(value: Any) -> Any:
    """Refuse NUL characters and lone surrogates: no database text column can hold them."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("must be valid Unicode text") from exc
    if isinstance(value, list):
        for item in value:
            no_nul(item)
    return value


class In(Schema):
    """Base of every request body."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return no_nul(value)


Text = Field(default="", max_length=20000)


class ReportCreateIn(In):
    team: str = Field(max_length=50, description="Team slug.")
    title: str = Field(min_length=1, max_length=300)
    body: str = Field("", max_length=100000)
    project: str | None = Field(None, max_length=50, description="Project slug.")
    reporter_email: str | None = Field(
        None,
        max_length=254,
        description="Only for a team admin drafting on a reporter's behalf; "
        "otherwise the report is the token user's own.",
    )
    reporter_name: str = Field("", max_length=200)


class TriageIn(In):
    outcome: Literal["plausible", "spam", "misdirected"]
    note: str = Text


class AssignIn(In):
    coordinator: str = Field(max_length=254, description="Username or email of a team member.")
    reason: str = Text


class AcceptIn(In):
    cve_id: str = Field("", max_length=32)
    note: str = Text


class ReasonIn(In):
    reason: str = Field(min_length=1, max_length=20000)


class CveIn(In):
    cve_id: str = Field(min_length=1, max_length=32)


class SeverityIn(In):
    severity: Literal["Low", "Medium", "High", "Critical", ""] = ""
    cvss_vector: str = Field("", max_length=200)
    reason: str = Text


class FixPlanIn(In):
    approach: Literal["public", "private"]
    provider: Literal["reporter", "core-developer", "team-member", ""] = ""
    private_fix_url: str = Field("", max_length=200)


class NoteIn(In):
    note: str = Text


class AdvisoryIn(In):
    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=50000)
    affected_versions: str | None = Field(None, max_length=5000)
    affected_components: str | None = Field(None, max_length=5000)
    whole_project: bool | None = None
    mitigations: str | None = Field(None, max_length=20000)


class TellReporterIn(In):
    body: str = Field("", max_length=20000, description="Your text instead of the template.")


class CreditIn(In):
    wanted: bool
    name: str = Field("", max_length=200)
    type: Literal[
        "finder",
        "reporter",
        "analyst",
        "coordinator",
        "remediation developer",
        "remediation reviewer",
        "remediation verifier",
        "tool",
        "sponsor",
        "other",
    ] = "finder"


class PullRequestIn(In):
    url: str = Field(max_length=200)
    branch: str = Field("", max_length=100)
    labels: list[str] = Field(default_factory=list, max_length=20)


class MergeIn(In):
    url: str = Field(max_length=200)
    commit: str = Field("", max_length=64)


class CommentIn(In):
    body: str = Field(min_length=1, max_length=100000)
    visibility: Literal["internal", "shared"] = "internal"


class CollaboratorIn(In):
    user: str = Field(max_length=254, description="Username or email.")


class ProjectIn(In):
    slug: str = Field(max_length=50)
    name: str = Field(min_length=1, max_length=200)
    repository_url: str = Field("", max_length=200)
    ecosystem: Literal["", "PyPI"] = ""
    package_name: str = Field("", max_length=200)


class MemberIn(In):
    user: str = Field(max_length=254, description="Username or email.")
    role: Literal["admin", "member"] = "member"
