"""The inbox's filter form: it only parses the query string into choices of the team.

A value that is not one of the team's (an unknown project, a member of another team)
is dropped with a message next to its field; the rest of the filters still apply.

Not a ``django.forms.Form``: the inbox draws it on every request, and a Form's field
copies, choice normalisation and widget templates cost more than the inbox's page
query (benchmarks/bench_desk.py). Parsing a query string into five known values
needs none of that; the messages are Django's own wording.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

from vulndesk.accounts.models import Team
from vulndesk.desk.selectors_inbox import DEFAULT_QUEUE, QUEUES, Filters, filter_choices
from vulndesk.reports.models import Severity, State

ANY = ("", "Any")
Q_MAX_LENGTH = 200
SELECTS = ("project", "state", "severity", "coordinator")
LABELS = {
    "q": "Search title, body and comments",
    "project": "Project",
    "state": "State",
    "severity": "Severity",
    "coordinator": "Coordinator",
}
IDS = {"q": "inbox-q", **{name: f"id_{name}" for name in SELECTS}}


def _options(choices: list[tuple[str, str]], chosen: str) -> str:
    e = html.escape
    return "".join(
        f'<option value="{e(value)}"{" selected" if value == chosen else ""}>{e(label)}</option>'
        for value, label in choices
    )


# The fixed choice lists, as strings once (labels may be lazy translations).
STATE_CHOICES = [ANY, *((str(v), str(label)) for v, label in State.choices)]
SEVERITY_CHOICES = [ANY, *((str(v), str(label)) for v, label in Severity.choices)]


@dataclass
class FilterField:
    """What the template needs of one control: its name, id, label and refusal."""

    name: str
    label: str
    id_for_label: str
    value: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def html_name(self) -> str:
        return self.name


class InboxFilterForm:
    """The query string of /desk/ read into :class:`Filters` of the viewer's team."""

    def __init__(self, data: Mapping[str, str] | None, *, team: Team) -> None:
        self.team = team
        self.is_bound = data is not None
        data = data or {}
        projects, members = filter_choices(team)
        self.choice_lists: dict[str, list[tuple[str, str]]] = {
            "project": [ANY, *projects],
            "state": STATE_CHOICES,
            "severity": SEVERITY_CHOICES,
            "coordinator": [ANY, ("none", "Nobody yet"), *members],
        }
        self.fields = {name: FilterField(name, LABELS[name], IDS[name]) for name in LABELS}
        for name in SELECTS:
            raw = str(data.get(name, "") or "")
            if raw and raw not in {value for value, _ in self.choice_lists[name]}:
                self.fields[name].errors.append(
                    f"Select a valid choice. {raw} is not one of the available choices."
                )
            elif raw:
                self.fields[name].value = raw
        q = str(data.get("q", "") or "").strip()
        if len(q) > Q_MAX_LENGTH:
            self.fields["q"].errors.append(
                f"Ensure this value has at most {Q_MAX_LENGTH} characters (it has {len(q)})."
            )
        else:
            self.fields["q"].value = q
        queue = str(data.get("queue", "") or "")
        self._queue = queue if queue in QUEUES else DEFAULT_QUEUE

    def __getitem__(self, name: str) -> FilterField:
        return self.fields[name]

    def q_input(self) -> SafeString:
        """The search box (type=search), its value kept."""
        value = html.escape(self.fields["q"].value)
        return mark_safe(  # noqa: S308 - the only value is escaped
            f'<input type="search" name="q" value="{value}" maxlength="{Q_MAX_LENGTH}" '
            f'id="{IDS["q"]}">'
        )

    def queue_slug(self) -> str:
        """The queue asked for; the default for none or an unknown one."""
        return self._queue

    def filters(self) -> Filters:
        """The valid filters (an invalid field counts as not set)."""
        return Filters(**{name: f.value for name, f in self.fields.items()})

    def options(self, name: str) -> SafeString:
        """The <option>s of the select ``name``, the valid chosen value selected."""
        return mark_safe(  # noqa: S308 - _options escapes every value and label
            _options(self.choice_lists[name], self.fields[name].value)
        )
