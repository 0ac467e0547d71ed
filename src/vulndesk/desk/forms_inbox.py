"""The inbox's filter form: it only parses the query string into choices of the team.

A value that is not one of the team's (an unknown project, a member of another team)
is dropped with a message next to its field; the rest of the filters still apply.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from vulndesk.accounts.models import Team, User
from vulndesk.desk.selectors_inbox import DEFAULT_QUEUE, QUEUES, Filters
from vulndesk.reports.models import Severity, State

ANY = ("", "Any")


class InboxFilterForm(forms.Form):
    queue = forms.ChoiceField(
        choices=[(q.slug, q.label) for q in QUEUES.values()],
        required=False,
        widget=forms.HiddenInput(attrs={"id": "inbox-queue"}),
    )
    q = forms.CharField(
        label="Search title, body and comments",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "id": "inbox-q"}),
    )
    project = forms.ChoiceField(label="Project", required=False)
    state = forms.ChoiceField(label="State", required=False, choices=[ANY, *State.choices])
    severity = forms.ChoiceField(label="Severity", required=False, choices=[ANY, *Severity.choices])
    coordinator = forms.ChoiceField(label="Coordinator", required=False)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        members = (
            User.objects.filter(memberships__team=team)
            .order_by("username")
            .only("username", "first_name", "last_name")
        )
        self.choice_lists: dict[str, list[tuple[str, str]]] = {
            "project": [ANY, *team.projects.order_by("name").values_list("slug", "name")],
            "state": [ANY, *State.choices],
            "severity": [ANY, *Severity.choices],
            "coordinator": [
                ANY,
                ("none", "Nobody yet"),
                *((u.username, u.display_name) for u in members),
            ],
        }
        for name, choices in self.choice_lists.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def queue_slug(self) -> str:
        """The queue asked for; the default for none or an unknown one."""
        if not self.is_bound:
            return DEFAULT_QUEUE
        self.is_valid()
        return str(self.cleaned_data.get("queue") or DEFAULT_QUEUE)

    def filters(self) -> Filters:
        """The valid filters (an invalid field counts as not set)."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            project=data.get("project") or "",
            state=data.get("state") or "",
            severity=data.get("severity") or "",
            coordinator=data.get("coordinator") or "",
            q=(data.get("q") or "").strip(),
        )

    def options(self, name: str) -> SafeString:
        """The <option>s of the select ``name``, the valid chosen value selected.

        Rendered here rather than by Django's widget templates: the inbox draws four
        selects on every request, and the widget templates cost more than the page's
        query (see benchmarks/bench_desk.py).
        """
        chosen = ""
        if self.is_bound:
            self.is_valid()  # cached after the first call
            chosen = str(self.cleaned_data.get(name) or "")
        return format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, " selected" if str(value) == chosen else "", label)
                for value, label in self.choice_lists[name]
            ),
        )
