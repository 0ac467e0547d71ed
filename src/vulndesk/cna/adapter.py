"""CVE Services behind one small adapter on cvelib's ``CveApi``.

Every failure becomes a ``CveServicesError`` whose message says what was asked, what
CVE Services answered (status, error name and message) and whether retrying can help.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cvelib.cve_api import CveApi, CveRecord, CveRecordValidationError
from django.conf import settings

from vulndesk.accounts.models import Team
from vulndesk.core.errors import ApplicationError, ValidationFailed

PLACEHOLDER_ORG_ID = "00000000-0000-4000-8000-000000000000"


class CveServicesError(ApplicationError):
    """CVE Services refused a request or could not be reached."""

    code = "cve_services"

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class CveServicesNotConfigured(ApplicationError):  # noqa: N818 - reads as the outcome
    code = "cve_services_not_configured"


@dataclass(frozen=True)
class Credentials:
    user: str
    org: str
    api_key: str
    env: str
    url: str


def credentials(team: Team | None = None) -> Credentials:
    conf: dict[str, str] = getattr(settings, "CVE_SERVICES", {})
    org = conf.get("ORG") or (team.cna_short_name if team is not None else "")
    creds = Credentials(
        user=conf.get("USER", ""),
        org=org,
        api_key=conf.get("API_KEY", ""),
        env=conf.get("ENV", "test"),
        url=conf.get("URL", ""),
    )
    missing = [
        name
        for name, value in (
            ("VULNDESK_CVE_USER", creds.user),
            ("VULNDESK_CVE_ORG (or the team's CNA short name)", creds.org),
            ("VULNDESK_CVE_API_KEY", creds.api_key),
        )
        if not value
    ]
    if missing:
        raise CveServicesNotConfigured(
            "This deployment has no CVE Services credentials (missing "
            + ", ".join(missing)
            + "). Set them, or load IDs reserved elsewhere with `vulndesk cve load`."
        )
    if not creds.url and creds.env not in CveApi.ENVS:
        raise CveServicesNotConfigured(
            f"VULNDESK_CVE_ENV must be one of {', '.join(CveApi.ENVS)}, not {creds.env!r} "
            "(or give VULNDESK_CVE_URL)."
        )
    return creds


def _describe(exc: OSError) -> tuple[str, int | None, bool]:
    response: Any = getattr(exc, "response", None)
    if response is None:
        return f"CVE Services could not be reached: {exc}", None, True
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {"message": response.text[:500]}
    error = body.get("error", "") if isinstance(body, dict) else ""
    message = body.get("message", "") if isinstance(body, dict) else str(body)
    details = body.get("details") if isinstance(body, dict) else None
    text = f"{status} {error}".strip() + (f": {message}" if message else "")
    if details:
        text += f" (details: {details})"
    return text, status, status >= 500 or status == 429


class CveClient:
    """The operations vulndesk uses, each turning errors into ``CveServicesError``."""

    def __init__(self, creds: Credentials) -> None:
        self.creds = creds
        url = creds.url
        if url and not url.endswith("/"):
            url += "/"  # cvelib joins paths onto the URL
        self.api = CveApi(
            username=creds.user,
            org=creds.org,
            api_key=creds.api_key,
            env=creds.env,
            url=url or None,
        )

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CveRecordValidationError as exc:
            raise ValidationFailed(f"The record for {what} is not valid CVE JSON 5: {exc}") from exc
        except OSError as exc:  # requests' errors are OSErrors; so are socket errors
            text, status, retryable = _describe(exc)
            raise CveServicesError(
                f"CVE Services refused to {what}: {text}"
                if status is not None
                else f"Could not {what}: {text}",
                status=status,
                retryable=retryable,
            ) from exc

    def reserve(
        self, *, amount: int, year: int, sequential: bool
    ) -> tuple[list[dict[str, Any]], int | None]:
        data = self._call(
            f"reserve {amount} CVE ID(s) for {year}",
            self.api.reserve,
            amount,
            not sequential,
            str(year),
        )
        remaining = (data.get("meta") or {}).get("remaining_quota")
        return list(data.get("cve_ids", [])), remaining

    def quota(self) -> dict[str, Any]:
        return dict(self._call("read the ID quota", self.api.quota))

    def list_ids(
        self, *, state: str | None = None, year: int | None = None
    ) -> list[dict[str, Any]]:
        return list(
            self._call(
                "list the organisation's CVE IDs",
                lambda: list(self.api.list_cves(year=str(year) if year else None, state=state)),
            )
        )

    def show_id(self, cve_id: str) -> dict[str, Any]:
        return dict(self._call(f"show {cve_id}", self.api.show_cve_id, cve_id))

    def show_record(self, cve_id: str) -> dict[str, Any]:
        return dict(self._call(f"show the record of {cve_id}", self.api.show_cve_record, cve_id))

    def publish(self, cve_id: str, container: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call(f"publish {cve_id}", self.api.publish, cve_id, dict(container)))

    def update(self, cve_id: str, container: dict[str, Any]) -> dict[str, Any]:
        return dict(
            self._call(f"update {cve_id}", self.api.update_published, cve_id, dict(container))
        )

    def reject(self, cve_id: str, container: dict[str, Any], *, published: bool) -> dict[str, Any]:
        fn = self.api.update_rejected if published else self.api.reject
        return dict(self._call(f"reject {cve_id}", fn, cve_id, dict(container)))


def client_for(team: Team) -> CveClient:
    return CveClient(credentials(team))


def validate_container(container: dict[str, Any], *, rejected: bool = False) -> None:
    """Check a CNA container with cvelib's bundled CVE JSON 5 schema; name every problem."""
    schema = CveRecord.Schemas.CNA_REJECTED if rejected else CveRecord.Schemas.CNA_PUBLISHED
    if "providerMetadata" not in container:  # cvelib fills it in from the org when sending
        container = {**container, "providerMetadata": {"orgId": PLACEHOLDER_ORG_ID}}
    try:
        CveRecord.validate(container, schema)
    except CveRecordValidationError as exc:
        problems = "; ".join(
            f"{'/'.join(str(p) for p in err.absolute_path) or '(record)'}: {err.message}"
            for err in (exc.errors or [])
        )
        raise ValidationFailed(f"The CVE record is not valid CVE JSON 5: {problems}") from exc
