"""The demo team of ``make run``: built by calling the same services people use,
so loading it walks the workflow into every state."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from vulndesk.accounts.models import Membership, Team, User
from vulndesk.accounts.services import project_create, team_add_member, team_create, user_create
from vulndesk.advisories.services import (
    advisory_add_reference,
    advisory_set_affected,
    advisory_set_cwes,
    branch_set,
)
from vulndesk.core.errors import ApplicationError
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report

DEMO_TEAM = "psrt"

# Development-only logins, printed by `vulndesk demo`; the command refuses production.
PEOPLE = [
    # username, name, email, role
    ("alice", "Alice Admin", "alice@psrt.example", "admin"),
    ("bob", "Bob Member", "bob@psrt.example", "member"),
    ("carol", "Carol Member", "carol@psrt.example", "member"),
    ("dave", "Dave Member", "dave@psrt.example", "member"),
    ("erin", "Erin Core-Dev", "erin@core.example", "collaborator"),
    ("rita", "Rita Reporter", "rita@reporter.example", "reporter"),
]
# A second reporter without an account: known by email address only.
SECOND_REPORTER = ("Sam Sender", "sam@elsewhere.example")


def demo_password(username: str) -> str:
    return f"demo-{username}-pass"


STAFF_ROLES = {"admin", "member"}


def demo_load() -> dict[str, Any]:
    """Load the demo team once. Outside production its team members get a TOTP device
    each (team staff must pass MFA), whose secret is printed with the logins."""
    created = False
    if not Team.objects.filter(slug=DEMO_TEAM).exists():
        with transaction.atomic():
            _build()
        created = True
    secrets = {} if settings.PRODUCTION else demo_totp_enrol()
    return {
        "created": created,
        "team": DEMO_TEAM,
        "logins": [
            {
                "username": u,
                "password": demo_password(u),
                "role": role,
                "email": email,
                "totp_secret": secrets.get(u, ""),
            }
            for u, _name, email, role in PEOPLE
        ],
    }


def _refuse_in_production() -> None:
    if settings.PRODUCTION:
        raise ApplicationError(
            "Demo TOTP devices have secrets anyone can read; they are refused in production."
        )


def demo_totp_enrol() -> dict[str, str]:
    """Give each demo team member a TOTP device (once); their secrets, by username."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import decrypt

    _refuse_in_production()
    staff = [u for u, _name, _email, role in PEOPLE if role in STAFF_ROLES]
    secrets: dict[str, str] = {}
    for user in User.objects.filter(username__in=staff, memberships__team__slug=DEMO_TEAM):
        device = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if device is None:
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
        else:
            secret = decrypt(device.data["secret"])
        secrets[user.username] = secret
    return secrets


def demo_totp_codes() -> list[dict[str, Any]]:
    """Each demo team member's current TOTP code and how many seconds it stays valid."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    now = time.time()
    period = app_settings.TOTP_PERIOD
    left = period - int(now) % period  # 1..period: never 0 in the window's last second
    return [
        {
            "username": username,
            "code": format_hotp_value(hotp_value(secret, int(now) // period)),
            "seconds_left": left,
        }
        for username, secret in sorted(demo_totp_enrol().items())
    ]


def _build() -> None:
    users: dict[str, User] = {}
    for username, name, email, _role in PEOPLE:
        users[username] = user_create(
            username=username, email=email, password=demo_password(username), name=name
        )
    team = team_create(
        slug=DEMO_TEAM,
        name="Python Security Response Team",
        key_prefix="PSRT",
        admin=users["alice"],
        security_address="security@python.example",
        announce_address="security-announce@python.example",
        # The portal's private form (docs/portal.md): the "please use the form" reply links it.
        private_reporting_url=f"{settings.BASE_URL}/report/{DEMO_TEAM}/",
        cna_short_name="PSF",
    )
    for username in ("bob", "carol", "dave"):
        team_add_member(team, user=users[username], role=Membership.Role.MEMBER, actor=None)
    cpython = project_create(
        team,
        slug="cpython",
        name="CPython",
        repository_url="https://github.com/python/cpython",
        cve_vendor="Python Software Foundation",
        cve_product="CPython",
        actor=None,
    )
    pip = project_create(
        team,
        slug="pip",
        name="pip",
        repository_url="https://github.com/pypa/pip",
        cve_vendor="Python Packaging Authority (PyPA)",
        cve_product="pip",
        ecosystem="PyPI",
        package_name="pip",
        actor=None,
    )
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    # Release branches, for structured affected versions (CVE, OSV and CSAF records).
    for name, first, status in [
        ("3.8", "3.8.0", "end-of-life"),
        ("3.9", "3.9.0", "end-of-life"),
        ("3.10", "3.10.0", "end-of-life"),
        ("3.11", "3.11.0", "supported"),
        ("3.12", "3.12.0", "supported"),
        ("3.13", "3.13.0a1", "supported"),
        ("3.14", "3.14.0a1", "supported"),
    ]:
        branch_set(cpython, actor=alice, name=name, first_version=first, status=status)
    branch_set(pip, actor=alice, name="main", first_version="0")  # pip has no release branches
    rita, sam = "rita@reporter.example", SECOND_REPORTER[1]

    def new(title: str, body: str, *, email: str = rita, project: Any = cpython) -> Report:
        return rs.report_create(
            team=team,
            reporter_email=email,
            reporter_name="Rita Reporter" if email == rita else SECOND_REPORTER[0],
            title=title,
            body=body,
            project=project,
            source="web" if email == rita else "email",
            actor=users["rita"] if email == rita else None,
        )

    def triaged(title: str, body: str, coordinator: User, **kw: Any) -> Report:
        report = new(title, body, **kw)
        rs.report_triage(report, actor=alice, outcome="plausible")
        rs.report_assign(report, actor=alice, coordinator=coordinator)
        return report

    def advise(report: Report, actor: User, advisory: dict[str, Any]) -> None:
        """The advisory of a real PSF record (tests/shared/examples/), as the services write it."""
        components = advisory.get("components", "")
        rs.report_set_advisory(
            report,
            actor=actor,
            title=advisory["title"],
            description=advisory["description"],
            affected_components=components,
            whole_project=not components,
            mitigations=advisory.get("mitigations", ""),
        )
        advisory_set_affected(report, actor=actor, fixed_in=advisory["fixed_in"])
        advisory_set_cwes(report, actor=actor, cwes=advisory.get("cwes", []))
        for url, tag in advisory.get("references", []):
            advisory_add_reference(report, actor=actor, url=url, tags=[tag])

    # new: waiting for an admin's triage
    new(
        "Heap overflow in _pickle when loading crafted frames",
        "Loading a crafted pickle frame overflows a heap buffer.\n\nPoC attached:\n\n"
        "```python\nimport pickle\npickle.loads(b'...')\n```\n",
        email=sam,
    )
    # spam and misdirected
    spam = new("URGENT: your website security", "We found 300 bugs. Pay us.", email=sam)
    rs.report_triage(spam, actor=alice, outcome="spam")
    wrong = new("XSS in requests-toolbelt docs", "Third-party package.", email=sam, project=None)
    rs.report_triage(
        wrong, actor=alice, outcome="misdirected", note="Report to the package maintainers."
    )

    # triage: a coordinator is deciding
    triaged("Path traversal in zipfile.Path", "zipfile.Path resolves '..' in member names.", bob)

    # rejected
    rejected = triaged("eval() runs code", "eval('__import__(\"os\")') runs code!", carol)
    rs.report_reject(rejected, actor=carol, reason="eval() is documented to run arbitrary code.")

    # withdrawn
    withdrawn = triaged("Crash in tkinter on exit", "Segfault on exit.", bob)
    rs.report_withdraw(withdrawn, actor=bob, reason="The reporter retracted it: a local build bug.")

    # accepted, waiting for CVE ID and severity
    accepted = triaged(
        "Header injection: email does not quote newlines",
        "email.generator writes a header value containing a newline as is, so a crafted\n"
        "value injects headers into the serialized message.",
        carol,
    )
    rs.report_accept(accepted, actor=carol)
    advise(accepted, carol, CVE_2024_6923)

    # fixing: Medium, fixed in public
    fixing = triaged(
        "ReDoS in tarfile header parsing",
        "The regular expressions parsing pax headers backtrack excessively; a crafted tar\n"
        "archive keeps TarFile.open() busy for minutes.",
        bob,
    )
    rs.report_accept(fixing, actor=bob, cve_id="CVE-2026-10001")
    rs.report_set_severity(fixing, actor=bob, severity="Medium")
    advise(fixing, bob, CVE_2024_6232)
    rs.report_set_fix(fixing, actor=bob, approach="public", provider="core-developer")
    rs.collaborator_invite(fixing, actor=bob, user=users["erin"])
    rs.comment_add(fixing, actor=bob, body="Erin, could you look at the filter?")
    rs.report_tell_reporter(fixing, actor=bob)

    # fixed: High, private fix approved, PRs merged
    fixed = triaged(
        "tarfile filter bypass with crafted symlinks",
        "The 'data' filter can be bypassed by chained symlinks whose resolved path\n"
        "overflows PATH_MAX, so extractall() writes outside the destination.",
        carol,
    )
    rs.report_accept(fixed, actor=carol, cve_id="CVE-2026-10002")
    rs.report_set_severity(
        fixed, actor=carol, cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:L"
    )
    rs.report_set_fix(fixed, actor=carol, approach="private", provider="team-member")
    rs.report_approve_private_fix(fixed, actor=carol, note="Tested on 3.12 and 3.13.")
    for number, branch, commit in (
        (135037, "main", "3612d8f51741b11f36f8fb0494d79086bac9390a"),
        (135066, "3.13", "9e0ac76d96cf80b49055f6d6b9a6763fb9215c2a"),
    ):
        url = f"https://github.com/python/cpython/pull/{number}"
        rs.report_add_pr(
            fixed, actor=carol, url=url, branch=branch, labels=["security", "release-blocker"]
        )
        rs.report_merge_pr(fixed, actor=carol, url=url, commit=commit)
    advise(fixed, carol, CVE_2025_4517)

    # published: the whole process
    published = triaged(
        "Mercurial --config injection through the revision of an hg+ URL",
        "pip install 'hg+https://example.org/repo@--config=...' passes the revision to\n"
        "hg clone as an option, so it can change Mercurial's configuration.",
        bob,
        project=pip,
    )
    rs.report_accept(published, actor=bob, cve_id="CVE-2026-10003")
    rs.report_set_severity(
        published, actor=bob, cvss_vector="CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N"
    )
    rs.report_set_fix(published, actor=bob, approach="public", provider="reporter")
    rs.report_tell_reporter(published, actor=bob)
    rs.report_set_credit(published, actor=users["rita"], wanted=True, name="Rita Reporter")
    advise(published, bob, CVE_2023_5752)
    url = "https://github.com/pypa/pip/pull/12306"
    rs.report_add_pr(
        published, actor=bob, url=url, branch="main", labels=["security", "release-blocker"]
    )
    rs.report_merge_pr(published, actor=bob, url=url, commit="0f" * 20)
    rs.report_publish(published, actor=bob)


# The advisories of the demo's accepted reports, from the PSF's published CVE records
# (tests/shared/examples/cve/): text, affected modules, fixed releases, CWE, references.
_ANNOUNCE = "https://mail.python.org/archives/list/security-announce@python.org/thread/"
_CPYTHON = "https://github.com/python/cpython"

CVE_2024_6923: dict[str, Any] = {
    "title": "Email header injection due to unquoted newlines",
    "description": (
        "The email module didn't properly quote newlines for email headers when serializing "
        "an email message allowing for header injection when an email is serialized."
    ),
    "components": "email",
    "fixed_in": {
        "3.8": "3.8.20",
        "3.9": "3.9.20",
        "3.10": "3.10.15",
        "3.11": "3.11.10",
        "3.12": "3.12.5",
        "3.13": "3.13.0rc2",
        "3.14": "3.14.0a1",
    },
    "cwes": ["CWE-93"],
    "references": [
        (f"{_CPYTHON}/issues/121650", "issue-tracking"),
        (f"{_CPYTHON}/pull/122233", "patch"),
    ],
}
CVE_2024_6232: dict[str, Any] = {
    "title": "Regular-expression DoS when parsing TarFile headers",
    "description": (
        "Regular expressions that allowed excessive backtracking during tarfile.TarFile "
        "header parsing are vulnerable to ReDoS via specifically-crafted tar archives."
    ),
    "components": "tarfile",
    "fixed_in": {
        "3.8": "3.8.20",
        "3.9": "3.9.20",
        "3.10": "3.10.15",
        "3.11": "3.11.10",
        "3.12": "3.12.6",
        "3.13": "3.13.0rc2",
        "3.14": "3.14.0a1",
    },
    "cwes": ["CWE-1333"],
    "references": [
        (f"{_CPYTHON}/issues/121285", "issue-tracking"),
        (f"{_CPYTHON}/pull/121286", "patch"),
    ],
}
CVE_2025_4517: dict[str, Any] = {
    "title": "Arbitrary writes via tarfile realpath overflow",
    "description": (
        "Allows arbitrary filesystem writes outside the extraction directory during "
        'extraction with filter="data".\n\n'
        "You are affected by this vulnerability if using the tarfile module to extract "
        "untrusted tar archives using TarFile.extractall() or TarFile.extract() using the "
        'filter= parameter with a value of "data" or "tar". See the tarfile extraction '
        "filters documentation https://docs.python.org/3/library/tarfile.html"
        "#tarfile-extraction-filter for more information.\n\n"
        'Note that for Python 3.14 or later the default value of filter= changed from "no '
        'filtering" to "data", so if you are relying on this new default behavior then '
        "your usage is also affected."
    ),
    "components": "tarfile",
    "mitigations": (
        "Until you can upgrade, check the members of an untrusted archive before extracting "
        "it (see the linked script) or do not extract untrusted archives."
    ),
    "fixed_in": {
        "3.9": "3.9.23",
        "3.10": "3.10.18",
        "3.11": "3.11.13",
        "3.12": "3.12.11",
        "3.13": "3.13.4",
        "3.14": "3.14.0b2",
    },
    "cwes": ["CWE-22"],
    "references": [
        (f"{_CPYTHON}/issues/135034", "issue-tracking"),
        ("https://gist.github.com/sethmlarson/52398e33eff261329a0180ac1d54f42f", "mitigation"),
    ],
}
CVE_2023_5752: dict[str, Any] = {
    "title": "Mercurial configuration injectable in repo revision when installing via pip",
    "description": (
        'When installing a package from a Mercurial VCS URL (ie "pip install hg+...") with '
        "pip prior to v23.3, the specified Mercurial revision could be used to inject "
        'arbitrary configuration options to the "hg clone" call (ie "--config"). Controlling '
        "the Mercurial configuration can modify how and which repository is installed. This "
        "vulnerability does not affect users who aren't installing from Mercurial."
    ),
    "fixed_in": {"main": "23.3"},
    "cwes": ["CWE-77"],
    "references": [(f"{_ANNOUNCE}F4PL35U6X4VVHZ5ILJU3PWUWN7H7LZXL/", "vendor-advisory")],
}
