"""Forms of the team admin pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from vulndesk.accounts.models import Membership, Project
from vulndesk.api.models import Scope
from vulndesk.reports.models import Severity
from vulndesk.webhooks.models import EventType

ROLE_CHOICES = Membership.Role.choices


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial=Membership.Role.MEMBER)


class MemberRoleForm(forms.Form):
    user = forms.CharField(label="Username", max_length=150, widget=forms.HiddenInput)
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)


class MemberRemoveForm(forms.Form):
    user = forms.CharField(label="Username", max_length=150, widget=forms.HiddenInput)


class ProjectForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    repository_url = forms.URLField(
        label="Repository URL", required=False, max_length=200, assume_scheme="https"
    )
    cve_vendor = forms.CharField(label="CVE vendor", required=False, max_length=200)
    cve_product = forms.CharField(label="CVE product", required=False, max_length=200)
    ecosystem = forms.ChoiceField(
        label="Package ecosystem", required=False, choices=Project.Ecosystem.choices
    )
    package_name = forms.CharField(label="Package name", required=False, max_length=200)


class ProjectAddForm(ProjectForm):
    slug = forms.SlugField(
        label="Short name (in URLs)", max_length=50, help_text="e.g. cpython; cannot change later."
    )

    field_order = ["slug", "name"]


class PolicyForm(forms.Form):
    key_prefix = forms.CharField(
        label="Report ID prefix",
        max_length=12,
        help_text="2-12 capital letters or digits, as in PSRT-2026-0042; names new reports only.",
    )
    severity_levels = forms.MultipleChoiceField(
        label="Severity levels",
        choices=Severity.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    private_fix_severities = forms.MultipleChoiceField(
        label="Severities that need a private fix",
        choices=Severity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fix_labels = forms.CharField(
        label="Required fix labels",
        required=False,
        max_length=1000,
        help_text="Comma-separated; every fix PR must carry all of them.",
    )
    announce_address = forms.EmailField(label="Announce address", required=False)
    private_reporting_url = forms.URLField(
        label="Private-reporting URL", required=False, assume_scheme="https"
    )

    def labels(self) -> list[str]:
        return [x.strip() for x in self.cleaned_data["fix_labels"].split(",") if x.strip()]


EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never")]


class TokenCreateForm(forms.Form):
    name = forms.CharField(label="Name (what it is for)", max_length=100)
    scopes = forms.MultipleChoiceField(
        label="Scopes", choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_in_days = forms.ChoiceField(
        label="Expires after", choices=EXPIRY_CHOICES, initial="90", required=False
    )

    def days(self) -> int | None:
        value = self.cleaned_data.get("expires_in_days") or ""
        return int(value) if value else None


class TokenRevokeForm(forms.Form):
    token = forms.CharField(label="Token", max_length=64, widget=forms.HiddenInput)


class WebhookAddForm(forms.Form):
    url = forms.URLField(label="Payload URL", max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label="Events", choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    private = forms.BooleanField(
        label="Private: include internal details (titles, notes, internal comments)",
        required=False,
    )


class WebhookActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        label="Active",
        choices=[("1", "Enabled"), ("0", "Disabled")],
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
    )


class TemplateForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=1000)
    body = forms.CharField(label="Body", widget=forms.Textarea(attrs={"rows": 18}))


def problems(form: forms.Form) -> str:
    """A form's errors as one sentence for the refusal next to it."""
    parts: list[str] = []
    for field, errs in form.errors.items():
        label: Any = form.fields[field].label if field in form.fields else field
        parts.append(f"{label}: {' '.join(str(e) for e in errs)}")
    return "; ".join(parts)
