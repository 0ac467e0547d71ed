"""Portal pages: the private report form, the email confirmation, the reporter's reports.

Thin: parse a form, call one service (portal/services.py, reports/services.py), then
redirect (PRG); a refusal re-renders the form with the user's input and the service's
message. A report the user did not file is 404, whoever they are.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vulndesk.accounts.models import Team, User
from vulndesk.core.errors import ApplicationError, NotFound, ValidationFailed
from vulndesk.core.http import client_address
from vulndesk.portal import selectors, services
from vulndesk.portal.forms import CreditForm, ReplyForm, ReportForm
from vulndesk.reports.models import Report

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


# ------------------------------------------------------------------- the form


@require_GET
def new(request: HttpRequest) -> HttpResponse:
    """/report/: the form of the only team, or the list of teams to report to."""
    slug = request.GET.get("team", "").strip()
    if slug:
        try:
            team = selectors.team_for_form(slug)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        return redirect("portal:team", slug=team.slug)
    teams = list(selectors.reporting_teams())
    if len(teams) == 1:
        return _form_page(request, teams[0], _form(request, teams[0]))
    return render(request, "portal/choose.html", {"teams": teams})


def _form(request: HttpRequest, team: Team, data: Any = None) -> ReportForm:
    return ReportForm(data, team=team, anonymous=_user(request) is None)


def _form_page(
    request: HttpRequest, team: Team, form: ReportForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/new.html",
        {"team": team, "form": form, "error": error, "anonymous": _user(request) is None},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def team_new(request: HttpRequest, slug: str) -> HttpResponse:
    """/report/<team>/: the private report form of one team (its policy links here)."""
    try:
        team = selectors.team_for_form(slug)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method != "POST":
        return _form_page(request, team, _form(request, team))
    form = _form(request, team, request.POST)
    if not form.is_valid():
        return _form_page(request, team, form, status=400)
    user = _user(request)
    if form.is_bot:  # the honeypot: look accepted, keep nothing
        return redirect("portal:sent", slug=team.slug)
    data = services.form_data(form.cleaned_data)
    try:
        if user is None:
            services.pending_submit(
                team=team,
                data=data,
                email=form.cleaned_data["email"],
                name=form.cleaned_data.get("name", ""),
                ip=client_address(request),
            )
        else:
            report = services.report_submit(team=team, data=data, actor=user)
    except services.RateLimited as exc:
        return _form_page(request, team, form, error=str(exc), status=429)
    except ApplicationError as exc:
        return _form_page(request, team, form, error=str(exc), status=400)
    if user is None:
        return redirect("portal:sent", slug=team.slug)
    messages.success(request, f"Thank you: your report was sent to {team.name} as {report.key}.")
    return redirect("portal:report", key=report.key)


@require_GET
def sent(request: HttpRequest, slug: str) -> HttpResponse:
    """After an anonymous submission: the same words whatever the address."""
    try:
        team = selectors.team_for_form(slug)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(request, "portal/sent.html", {"team": team, "hours": services.VERIFY_HOURS})


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the confirmation mail. GET shows what will be sent; the button
    (POST) sends it — so a mail scanner that opens links files nothing."""
    try:
        pending = services.pending_find(token)
    except ValidationFailed as exc:
        return _verify_refused(request, exc)
    if request.method != "POST":
        return render(
            request,
            "portal/verify.html",
            {"team": pending.team, "title": pending.data.get("title", ""), "email": pending.email},
        )
    try:
        filed = services.pending_file(token)
    except ValidationFailed as exc:
        return _verify_refused(request, exc)
    report = filed.report
    done = f"Thank you: your report was sent to {report.team.name} as {report.key}."
    if filed.log_in:
        login(request, filed.user, backend=LOGIN_BACKEND)
        messages.success(request, done)
        if not filed.user.has_usable_password():
            messages.info(
                request,
                "To come back later, set a password for your account "
                "(use “Forgot your password?” on the login page with this address).",
            )
        return redirect("portal:report", key=report.key)
    messages.success(request, f"{done} Log in to follow it.")
    return redirect_to_login(reverse("portal:report", kwargs={"key": report.key}))


def _verify_refused(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    # A forged link is "not found"; an expired or used one is gone.
    status = 410 if exc.code in ("expired", "used") else 404
    return render(request, "portal/verify_refused.html", {"error": str(exc)}, status=status)


# ------------------------------------------------------------------- my reports


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user is not None
    reports = [
        {"report": r, "state": selectors.state_words(r, user=user)}
        for r in selectors.my_reports(user)
    ]
    return render(request, "portal/home.html", {"reports": reports})


def _own_report(request: HttpRequest, key: str) -> tuple[Report, User]:
    user = _user(request)
    try:
        return selectors.portal_report_get(key, user=user), user  # type: ignore[return-value]
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _report_page(
    request: HttpRequest,
    report: Report,
    user: User,
    *,
    reply: ReplyForm | None = None,
    credit: CreditForm | None = None,
    reply_error: str = "",
    credit_error: str = "",
    status: int = 200,
) -> HttpResponse:
    if credit is None:
        initial = {"credit_type": report.credit_type or "finder"}
        if report.credit_wanted is not None:
            initial["credit"] = "yes" if report.credit_wanted else "no"
        initial["credit_name"] = report.credit_name or report.reporter.name
        credit = CreditForm(initial=initial)
    return render(
        request,
        "portal/report.html",
        {
            "report": report,
            "state": selectors.state_words(report, user=user),
            "conversation": selectors.conversation(report, user=user),
            "reply_form": reply or ReplyForm(),
            "reply_error": reply_error,
            "credit_form": credit,
            "credit_error": credit_error,
            "credit_open": selectors.credit_open(report),
        },
        status=status,
    )


@login_required
@require_GET
def report_page(request: HttpRequest, key: str) -> HttpResponse:
    report, user = _own_report(request, key)
    return _report_page(request, report, user)


@login_required
@require_POST
def reply(request: HttpRequest, key: str) -> HttpResponse:
    report, user = _own_report(request, key)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, user, reply=form, status=400)
    try:
        services.reporter_reply(report, actor=user, body=form.cleaned_data["body"])
    except ApplicationError as exc:
        status = 400 if isinstance(exc, ValidationFailed) else 409
        return _report_page(request, report, user, reply=form, reply_error=str(exc), status=status)
    messages.success(request, "Your reply was added; the team sees it.")
    return redirect(reverse("portal:report", kwargs={"key": report.key}) + "#conversation")


@login_required
@require_POST
def credit(request: HttpRequest, key: str) -> HttpResponse:
    report, user = _own_report(request, key)
    form = CreditForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, user, credit=form, status=400)
    data = form.cleaned_data
    try:
        services.reporter_credit(
            report,
            actor=user,
            wanted=data["credit"] == "yes",
            name=data["credit_name"],
            credit_type=data["credit_type"],
        )
    except ApplicationError as exc:
        status = 400 if isinstance(exc, ValidationFailed) else 409
        return _report_page(
            request, report, user, credit=form, credit_error=str(exc), status=status
        )
    messages.success(request, "Thank you: your credit preference was saved.")
    return redirect(reverse("portal:report", kwargs={"key": report.key}) + "#credit")
