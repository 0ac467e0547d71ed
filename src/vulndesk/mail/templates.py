"""Message templates: the shipped files, or the team's own text (TemplateOverride)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError

from vulndesk.core.errors import ValidationFailed
from vulndesk.core.messages import RenderedMessage, render_message
from vulndesk.reports.models import Report

# The four PSRT template replies, then the notifications.
TEMPLATES = {
    "use-private-form": "Directing the reporter to the private report form",
    "reject": "Rejecting a report (not a vulnerability)",
    "accept": "Accepting: CVE ID, severity, and the credit question",
    "announce": "The advisory announcement",
    "ack": "Acknowledgement of receipt",
    "comment": "A new comment shared with the reporter",
    "invite": "Invitation to collaborate on a report",
}


def template_names() -> list[str]:
    return list(TEMPLATES)


def check_name(name: str) -> None:
    if name not in TEMPLATES:
        raise ValidationFailed(
            f"There is no message template {name!r}; use one of: {', '.join(TEMPLATES)}."
        )


def report_context(report: Report, **extra: Any) -> dict[str, Any]:
    project = report.project
    return {
        "report": report,
        "team": report.team,
        "project_name": project.name if project else report.team.name,
        # A team without its own URL points reporters to the portal's form.
        "private_reporting_url": report.team.private_reporting_url
        or f"{settings.BASE_URL}/report/{report.team.slug}/",
        "portal_url": f"{settings.BASE_URL}/portal/reports/{report.key}/",  # the reporter's
        "fix_prs": list(report.fix_prs.all()),
        "subject": report.title,
        "base_url": settings.BASE_URL,
        "report_url": f"{settings.BASE_URL}/desk/reports/{report.key}/",  # the desk page
        **extra,
    }


def compile_check(subject: str, body: str) -> None:
    """Refuse an override Django cannot compile, naming the problem."""
    for label, text in (("subject", subject), ("body", body)):
        try:
            Template(text)
        except TemplateSyntaxError as exc:
            raise ValidationFailed(f"The template's {label} does not compile: {exc}") from exc


def render(name: str, report: Report, **extra: Any) -> RenderedMessage:
    """Render template ``name`` for ``report``: the team's override, else the shipped file."""
    from vulndesk.mail.models import TemplateOverride

    check_name(name)
    context = report_context(report, **extra)
    override = TemplateOverride.objects.filter(team_id=report.team_id, name=name).first()
    if override is None:
        return render_message(name, context)
    ctx = Context(context, autoescape=False)
    subject = Template(override.subject).render(ctx)
    body = Template(override.body).render(ctx)
    return RenderedMessage(subject=" ".join(subject.split()), body=body.strip() + "\n")
