"""Writes of the portal: filing a report from the private form.

- A logged-in reporter files at once (``report_submit``).
- Anyone else gives an email address: the submission is held as a ``PendingReport``
  (no one on the team sees it) and a link is mailed to the address through the outbox
  (``pending_submit``). Confirming the link (``pending_file``) files the report through
  ``reports.services.report_create`` (source: web form) and gives the address a portal
  account (a verified one; a new account gets no password until its owner sets one
  by allauth's password reset).
- The same answer is given whether or not the address has an account: the page after
  sending never says, and the link is what proves the address is theirs.
- Abuse: a per-address (IP) and a per-email limit on submissions, and a honeypot field
  (forms.HONEYPOT) whose submissions are dropped while looking accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from vulndesk.accounts.models import Project, Team, User
from vulndesk.accounts.services import user_create
from vulndesk.core import clock
from vulndesk.core.errors import ApplicationError, ValidationFailed
from vulndesk.core.messages import render_message
from vulndesk.portal.models import PendingReport
from vulndesk.reports import services as rs
from vulndesk.reports.models import Comment, CreditType, Report, Source

VERIFY_HOURS = 48
SALT = "vulndesk.portal.verify"

# Submissions per window (seconds). Anonymous ones are counted per client address and
# per email address (the latter keeps the form from mail-bombing someone's inbox);
# logged-in reporters per account.
WINDOW_SECONDS = 3600
LIMIT_PER_IP = 10
LIMIT_PER_EMAIL = 3
LIMIT_PER_USER = 20

EXPIRED = (
    f"This link has expired: links are valid for {VERIFY_HOURS} hours. "
    "Nothing was sent to the team; please send your report again."
)
INVALID = (
    "This link is not valid. Check that you opened the whole link from the mail, "
    "or send your report again."
)
USED = "This link was already used: your report was sent. Log in to follow it."


class RateLimited(ApplicationError):  # noqa: N818 - reads as the outcome
    code = "rate_limited"


# ------------------------------------------------------------------- limits


def _hit(key: str, *, limit: int) -> bool:
    """Count one submission for ``key``; True if it is over ``limit`` in this window.

    Fixed windows in the cache (the database cache: every app server counts the same).
    """
    window = int(clock.now().timestamp() // WINDOW_SECONDS)
    name = f"portal:limit:{hashlib.sha256(key.encode()).hexdigest()[:32]}:{window}"
    cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count > limit


def _limit(*, ip: str = "", email: str = "", user: User | None = None) -> None:
    minutes = WINDOW_SECONDS // 60
    if user is not None and _hit(f"user:{user.pk}", limit=LIMIT_PER_USER):
        raise RateLimited(
            f"You sent {LIMIT_PER_USER} reports in the last {minutes} minutes; "
            "please wait a while before sending another."
        )
    if ip and _hit(f"ip:{ip}", limit=LIMIT_PER_IP):
        raise RateLimited(
            "Too many reports were sent from your network in the last "
            f"{minutes} minutes; please try again later."
        )
    if email and _hit(f"email:{email.lower()}", limit=LIMIT_PER_EMAIL):
        raise RateLimited(
            f"We already sent several confirmation links to this address in the last {minutes} "
            "minutes; please use one of them, or try again later."
        )


# ------------------------------------------------------------------- the report's text


def compose_body(data: dict[str, Any], *, project_name: str) -> str:
    """The report as the team reads it: the policy's fields under plain headings."""
    ai = "No." if data.get("ai_used") != "yes" else f"Yes. {data.get('ai_details', '').strip()}"
    credit = {
        "yes": f"Yes, as {data.get('credit_name', '').strip()} "
        f"({data.get('credit_type') or CreditType.FINDER}).",
        "no": "No public credit.",
    }.get(str(data.get("credit")), "Decide later.")
    parts = [
        f"Affected project: {project_name}",
        f"Affected component: {data.get('component', '').strip() or 'not given'}",
        f"Versions tested: {data.get('versions', '').strip()}",
        "",
        "## Description",
        "",
        data.get("description", "").strip(),
        "",
        "## Proof of concept",
        "",
        data.get("proof_of_concept", "").strip() or "None given.",
        "",
        "## Impact and threat model",
        "",
        data.get("impact", "").strip(),
        "",
        "## AI tools",
        "",
        ai,
        "",
        "## Credit",
        "",
        credit,
    ]
    return "\n".join(parts) + "\n"


def _project(team: Team, project_id: Any) -> Project | None:
    if not project_id:
        return None
    return Project.objects.filter(team=team, pk=project_id).first()


def _file(team: Team, data: dict[str, Any], *, email: str, name: str, actor: User | None) -> Report:
    """File the report and record the credit wish, in the caller's transaction."""
    project = _project(team, data.get("project"))
    report = rs.report_create(
        team=team,
        reporter_email=email,
        reporter_name=name,
        title=str(data.get("title", "")),
        body=compose_body(data, project_name=project.name if project else team.name),
        project=project,
        source=Source.WEB,
        actor=actor,
    )
    if actor is not None and data.get("credit") in ("yes", "no"):
        rs.report_set_credit(
            report,
            actor=actor,
            wanted=data["credit"] == "yes",
            name=str(data.get("credit_name", "")),
            credit_type=str(data.get("credit_type") or CreditType.FINDER),
        )
    _acknowledge(report, actor=actor)
    return report


def _acknowledge(report: Report, *, actor: User | None) -> None:
    from vulndesk.mail import templates
    from vulndesk.mail.services import outbox_queue

    rendered = templates.render("ack", report)
    outbox_queue(
        team=report.team,
        to=[report.reporter.email],
        subject=rendered.subject,
        body=rendered.body,
        report=report,
        template="ack",
        actor=actor,
        shared=True,
    )


def form_data(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The form's cleaned data as JSON (the project by id)."""
    data = {k: v for k, v in cleaned.items() if k not in ("project", "website", "email", "name")}
    project = cleaned.get("project")
    data["project"] = project.pk if project is not None else None
    return data


# ------------------------------------------------------------------- logged in


def report_submit(*, team: Team, data: dict[str, Any], actor: User) -> Report:
    """A logged-in reporter files a report under their account's address."""
    _limit(user=actor)
    with transaction.atomic():
        return _file(team, data, email=actor.email, name=actor.get_full_name(), actor=actor)


# ------------------------------------------------------------------- anonymous


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def verify_url(token: str) -> str:
    return f"{settings.BASE_URL}{reverse('portal:verify', kwargs={'token': token})}"


def pending_submit(
    *, team: Team, data: dict[str, Any], email: str, name: str = "", ip: str = ""
) -> PendingReport:
    """Hold a submission from someone not logged in and mail them the confirmation link."""
    from vulndesk.mail.services import outbox_queue

    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed(f"{email!r} is not an email address.")
    _limit(ip=ip, email=email)
    now = clock.now()
    secret = secrets.token_urlsafe(32)
    token = signing.TimestampSigner(salt=SALT).sign(secret)
    with transaction.atomic():
        # Expired submissions were never confirmed: nothing keeps them.
        PendingReport.objects.filter(filed_at=None, expires_at__lt=now).delete()
        pending = PendingReport.objects.create(
            team=team,
            email=email,
            data={**data, "name": name.strip()},
            secret_hash=_hash(secret),
            created_at=now,
            expires_at=now + dt.timedelta(hours=VERIFY_HOURS),
        )
        message = render_message(
            "portal-verify",
            {
                "team": team,
                "title": data.get("title", ""),
                "url": verify_url(token),
                "hours": VERIFY_HOURS,
            },
        )
        outbox_queue(
            team=team,
            to=[email],
            subject=message.subject,
            body=message.body,
            template="portal-verify",
        )
    return pending


def pending_find(token: str) -> PendingReport:
    """The submission ``token`` names; refused (with what to do) if forged, expired or used."""
    try:
        secret = signing.TimestampSigner(salt=SALT).unsign(
            token, max_age=dt.timedelta(hours=VERIFY_HOURS)
        )
    except signing.SignatureExpired as exc:
        raise ValidationFailed(EXPIRED, code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationFailed(INVALID) from exc
    pending = PendingReport.objects.select_related("team").filter(secret_hash=_hash(secret)).first()
    if pending is None:
        raise ValidationFailed(INVALID)
    if pending.filed_at is not None:
        raise ValidationFailed(USED, code="used")
    if pending.expires_at <= clock.now():
        raise ValidationFailed(EXPIRED, code="expired")
    return pending


@dataclass(frozen=True)
class Filed:
    report: Report
    user: User
    new_account: bool
    log_in: bool  # the link may log them in (a portal-only account without a password)


def _username_for(email: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", email.split("@", 1)[0].lower()).strip("-")[:20] or "reporter"
    while True:
        candidate = f"{base}-{secrets.token_hex(3)}"
        if not User.objects.filter(username=candidate).exists():
            return candidate


def _verify_address(user: User, email: str) -> None:
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(
            user=user, email=email, verified=True, primary=user.email.lower() == email
        )
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def pending_file(token: str) -> Filed:
    """Confirm the address: file the held report (once) and give the address an account."""
    pending = pending_find(token)
    with transaction.atomic():
        pending = (
            PendingReport.objects.select_for_update().select_related("team").get(pk=pending.pk)
        )
        if pending.filed_at is not None:
            raise ValidationFailed(USED, code="used")
        email = pending.email
        name = str(pending.data.get("name", ""))
        user = User.objects.filter(email__iexact=email).first()
        new_account = user is None
        if user is None:
            user = user_create(username=_username_for(email), email=email, name=name)
        else:
            _verify_address(user, email)
        report = _file(pending.team, pending.data, email=email, name=name, actor=user)
        pending.filed_at = clock.now()
        pending.report = report
        pending.data = {}
        pending.save(update_fields=["filed_at", "report", "data"])
    # Only an account that has nothing but this address to protect it is logged in by
    # the link: one with a password, or team staff (MFA), logs in the usual way.
    log_in = new_account or (not user.has_usable_password() and not is_team_member_any(user))
    return Filed(report=report, user=user, new_account=new_account, log_in=log_in)


def is_team_member_any(user: User) -> bool:
    return user.memberships.exists()


# ------------------------------------------------------------------- conversation


def reporter_reply(report: Report, *, actor: User, body: str) -> Comment:
    """The reporter adds to the conversation (a comment shared with the team)."""
    return rs.comment_add(report, actor=actor, body=body, visibility=Comment.Visibility.SHARED)


def reporter_credit(
    report: Report, *, actor: User, wanted: bool, name: str, credit_type: str
) -> Report:
    return rs.report_set_credit(
        report, actor=actor, wanted=wanted, name=name, credit_type=credit_type
    )


__all__ = [
    "Filed",
    "RateLimited",
    "pending_file",
    "pending_find",
    "pending_submit",
    "report_submit",
    "reporter_credit",
    "reporter_reply",
]
