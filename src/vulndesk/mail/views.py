"""Mail downloads: the team's public key (anyone) and attachments (who may see the report)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from vulndesk.accounts.models import Team
from vulndesk.mail.models import Attachment, TeamKey
from vulndesk.reports.models import Report
from vulndesk.reports.permissions import can_view_report


@require_GET
def team_public_key(request: HttpRequest, slug: str) -> HttpResponse:
    key = TeamKey.objects.filter(team__slug=slug).first()
    if key is None or not Team.objects.filter(slug=slug).exists():
        raise Http404("This team has no OpenPGP key.")
    response = HttpResponse(key.public_key, content_type="application/pgp-keys")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{key.fingerprint[-16:]}.asc"'
    return response


@require_GET
def attachment_download(request: HttpRequest, key: str, sha256: str) -> HttpResponse:
    """Always a download, never rendered: octet-stream, nosniff, sandboxed."""
    report = Report.objects.select_related("team", "reporter").filter(key=key).first()
    user = request.user if request.user.is_authenticated else None
    if report is None or not can_view_report(user, report):
        raise Http404("No such attachment.")
    attachment = Attachment.objects.filter(report=report, sha256=sha256).first()
    if attachment is None:
        raise Http404("No such attachment.")
    response = HttpResponse(bytes(attachment.data), content_type="application/octet-stream")
    safe = "".join(c for c in attachment.filename if c.isalnum() or c in "._-") or "attachment"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
