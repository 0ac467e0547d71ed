"""The GitHub adapter (githubkit): PRs, issues, labels, repository security advisories,
private vulnerability reports and temporary private forks.

One real implementation; tests point it at a local fake server (tests/fixes/fakegithub.py)
that checks every request against GitHub's OpenAPI description. Without a token
(``VULNDESK_GITHUB_TOKEN``) :func:`github_client` returns None and everything else still
works: URLs, labels and merges are entered by hand.
"""

from __future__ import annotations

import logging
import re
import ssl
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from githubkit import GitHub
from githubkit.exception import RequestError, RequestFailed, RequestTimeout

from vulndesk.core.errors import ApplicationError, ValidationFailed

# httpx logs every request at INFO; keep URLs of private advisories out of the logs.
logging.getLogger("httpx").setLevel(logging.WARNING)

URL_RE = re.compile(
    r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)/(?P<kind>pull|issues)/(?P<number>\d+)/?$"
)
REPO_RE = re.compile(r"^[\w.-]+/[\w.-]+$")


class GitHubError(ApplicationError):
    """GitHub refused or could not be reached; the message says which and what to do."""

    code = "github"


@dataclass(frozen=True)
class PullInfo:
    url: str
    number: int
    title: str
    state: str
    merged: bool
    merge_commit: str
    labels: list[str]
    base: str


def parse_url(url: str) -> tuple[str, str, str, int]:
    """``https://github.com/OWNER/REPO/pull/N`` -> (owner, repo, "pull", N)."""
    match = URL_RE.match(url.strip())
    if not match:
        raise ValidationFailed(
            f"{url!r} is not a GitHub pull request or issue URL "
            "(https://github.com/OWNER/REPO/pull/NUMBER)."
        )
    return match["owner"], match["repo"], match["kind"], int(match["number"])


def split_repository(repository: str) -> tuple[str, str]:
    if not REPO_RE.match(repository):
        raise ValidationFailed(f"{repository!r} is not a repository; write OWNER/NAME.")
    owner, name = repository.split("/")
    return owner, name


_SSL: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """One TLS context per process: building one per request costs ~0.2 s of CPU."""
    global _SSL  # noqa: PLW0603 - a lazily built process-wide cache
    if _SSL is None:
        _SSL = ssl.create_default_context()
    return _SSL


class GitHubClient:
    def __init__(self, token: str, base_url: str = "https://api.github.com") -> None:
        self._gh = GitHub(
            token, base_url=base_url.rstrip("/") + "/", timeout=20, ssl_verify=_ssl_context()
        )

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs).json()
        except RequestFailed as exc:
            status = exc.response.status_code
            hint = {
                401: "the token is wrong or expired",
                403: "the token lacks the permission (repository security advisories: write)",
                404: "it does not exist or the token cannot see it",
                422: "GitHub refused the data",
            }.get(status, "GitHub answered with an error")
            raise GitHubError(f"GitHub: {what} failed ({status}): {hint}.") from exc
        except (RequestTimeout, RequestError) as exc:
            raise GitHubError(
                f"GitHub: {what} failed: GitHub could not be reached ({exc})."
            ) from exc

    def pull(self, owner: str, repo: str, number: int) -> PullInfo:
        data = self._call(
            f"reading {owner}/{repo}#{number}", self._gh.rest.pulls.get, owner, repo, number
        )
        return PullInfo(
            url=f"https://github.com/{owner}/{repo}/pull/{number}",
            number=number,
            title=data.get("title") or "",
            state=data.get("state") or "",
            merged=bool(data.get("merged")),
            merge_commit=(data.get("merge_commit_sha") or "") if data.get("merged") else "",
            labels=sorted(label["name"] for label in data.get("labels") or []),
            base=(data.get("base") or {}).get("ref", ""),
        )

    def issue_labels(self, owner: str, repo: str, number: int) -> list[str]:
        data = self._call(
            f"reading the labels of {owner}/{repo}#{number}",
            self._gh.rest.issues.list_labels_on_issue,
            owner,
            repo,
            number,
        )
        return sorted(label["name"] for label in data)

    def issue(self, owner: str, repo: str, number: int) -> dict[str, Any]:
        data: dict[str, Any] = self._call(
            f"reading {owner}/{repo}#{number}", self._gh.rest.issues.get, owner, repo, number
        )
        return data

    def advisories(self, owner: str, repo: str, *, state: str) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self._call(
            f"listing the {state} advisories of {owner}/{repo}",
            self._gh.rest.security_advisories.list_repository_advisories,
            owner,
            repo,
            state=state,
            per_page=100,
        )
        return data

    def advisory(self, owner: str, repo: str, ghsa_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self._call(
            f"reading {ghsa_id}",
            self._gh.rest.security_advisories.get_repository_advisory,
            owner,
            repo,
            ghsa_id,
        )
        return data

    def advisory_create(self, owner: str, repo: str, payload: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = self._call(
            f"creating an advisory in {owner}/{repo}",
            self._gh.rest.security_advisories.create_repository_advisory,
            owner,
            repo,
            data=payload,
        )
        return data

    def advisory_update(
        self, owner: str, repo: str, ghsa_id: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        data: dict[str, Any] = self._call(
            f"updating {ghsa_id}",
            self._gh.rest.security_advisories.update_repository_advisory,
            owner,
            repo,
            ghsa_id,
            data=payload,
        )
        return data

    def fork_create(self, owner: str, repo: str, ghsa_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self._call(
            f"creating the private fork of {ghsa_id}",
            self._gh.rest.security_advisories.create_fork,
            owner,
            repo,
            ghsa_id,
        )
        return data


def github_client() -> GitHubClient | None:
    """The configured client, or None when no token is set (URLs entered by hand)."""
    token = getattr(settings, "GITHUB_TOKEN", "")
    if not token:
        return None
    return GitHubClient(token, getattr(settings, "GITHUB_API_URL", "https://api.github.com"))


def require_client(client: GitHubClient | None) -> GitHubClient:
    client = client or github_client()
    if client is None:
        raise GitHubError(
            "GitHub is not configured: set VULNDESK_GITHUB_TOKEN, or enter the URLs by hand."
        )
    return client
