"""The demo team of ``make run``: built by calling the same services people use,
so loading it walks the workflow into every state."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from vulndesk.accounts.models import Membership, Team, User
from vulndesk.accounts.services import project_create, team_add_member, team_create, user_create
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
    left = int(period - now % period)
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
        private_reporting_url="https://github.com/python/cpython/security/advisories/new",
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
        "Quadratic complexity in email header folding",
        "Folding a long header with many encoded words takes quadratic time.",
        carol,
    )
    rs.report_accept(accepted, actor=carol)

    # fixing: Medium, fixed in public
    fixing = triaged(
        "tarfile filter bypass with crafted symlinks",
        "The 'data' filter can be bypassed by chained symlinks.",
        bob,
    )
    rs.report_accept(fixing, actor=bob, cve_id="CVE-2026-10001")
    rs.report_set_severity(fixing, actor=bob, severity="Medium")
    rs.report_set_fix(fixing, actor=bob, approach="public", provider="core-developer")
    rs.collaborator_invite(fixing, actor=bob, user=users["erin"])
    rs.comment_add(fixing, actor=bob, body="Erin, could you look at the filter?")
    rs.report_tell_reporter(fixing, actor=bob)

    # fixed: High, private fix approved, PRs merged
    fixed = triaged(
        "Use-after-free in ssl.SSLContext.set_npn_protocols()",
        "A use-after-free when the protocol list is changed concurrently.",
        carol,
    )
    rs.report_accept(fixed, actor=carol, cve_id="CVE-2026-10002")
    rs.report_set_severity(
        fixed, actor=carol, cvss_vector="CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"
    )
    rs.report_set_fix(fixed, actor=carol, approach="private", provider="team-member")
    rs.report_approve_private_fix(fixed, actor=carol, note="Tested on 3.12 and 3.13.")
    for number, branch in ((140001, "main"), (140002, "3.13")):
        url = f"https://github.com/python/cpython/pull/{number}"
        rs.report_add_pr(
            fixed, actor=carol, url=url, branch=branch, labels=["security", "release-blocker"]
        )
        rs.report_merge_pr(fixed, actor=carol, url=url, commit="a1b2c3d4" * 5)

    # published: the whole process
    published = triaged(
        "Buffer over-read in ipaddress with crafted input",
        "ipaddress reads past the buffer end for crafted strings.",
        bob,
        project=pip,
    )
    rs.report_accept(published, actor=bob, cve_id="CVE-2026-10003")
    rs.report_set_severity(published, actor=bob, severity="Low")
    rs.report_set_fix(published, actor=bob, approach="public", provider="reporter")
    rs.report_tell_reporter(published, actor=bob)
    rs.report_set_credit(published, actor=users["rita"], wanted=True, name="Rita Reporter")
    rs.report_set_advisory(
        published,
        actor=bob,
        title="Buffer over-read in ipaddress parsing",
        description="Parsing a crafted address string reads past the end of a buffer.",
        affected_versions="pip 24.0 and earlier",
        affected_components="pip._internal.network",
        mitigations="",
    )
    url = "https://github.com/pypa/pip/pull/12999"
    rs.report_add_pr(
        published, actor=bob, url=url, branch="main", labels=["security", "release-blocker"]
    )
    rs.report_merge_pr(published, actor=bob, url=url, commit="0f" * 20)
    rs.report_publish(published, actor=bob)
