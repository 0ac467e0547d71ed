"""Writes for people and teams. Keyword-only, typed, one transaction each."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from vulndesk.accounts.models import Membership, Project, Reporter, Team, User
from vulndesk.accounts.permissions import require_team_admin
from vulndesk.core.errors import ApplicationError, NotFound, ValidationFailed
from vulndesk.core.validation import require_fits


def _explain(exc: DjangoValidationError) -> str:
    """Django's field errors as one sentence: ``name: Ensure this value has …``."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(m) for e in errors for m in e.messages)}"
            for field, errors in exc.error_dict.items()
        )
    return " ".join(exc.messages)


def user_create(*, username: str, email: str, password: str | None = None, name: str = "") -> User:
    first, _, last = name.partition(" ")
    email = email.strip().lower()
    require_fits(User, "username", username)
    require_fits(User, "email", email)
    require_fits(User, "first_name", first, what="first name")
    require_fits(User, "last_name", last, what="last name")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(f"A user with the email address {email} already exists.")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"The username {username!r} is taken.")
    user = User(username=username, email=email, first_name=first, last_name=last)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.save()
        # Whoever creates an account here (an admin, the CLI, the demo) vouches for the
        # address; sign-ups through /accounts/ verify theirs by a link instead.
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def user_find(identifier: str) -> User:
    """A user by username or email address."""
    user = (
        User.objects.filter(email__iexact=identifier).first()
        if "@" in identifier
        else User.objects.filter(username=identifier).first()
    )
    if user is None:
        raise NotFound(f"There is no user {identifier!r}.")
    return user


@transaction.atomic
def team_create(
    *,
    slug: str,
    name: str,
    key_prefix: str = "",
    admin: User | None = None,
    security_address: str = "",
    announce_address: str = "",
    private_reporting_url: str = "",
    cna_short_name: str = "",
) -> Team:
    """A new team with the PSRT's policy. ``key_prefix`` defaults to ``PSRT``, or to one
    made from the slug when another team has that already (keys are unique)."""
    key_prefix = key_prefix.strip().upper() or _free_prefix(slug)
    team = Team(
        slug=slug,
        name=name,
        key_prefix=key_prefix,
        security_address=security_address,
        announce_address=announce_address,
        private_reporting_url=private_reporting_url,
        cna_short_name=cna_short_name,
    )
    holder = Team.objects.filter(key_prefix=team.key_prefix).first()
    if holder is not None:
        raise ValidationFailed(
            f"The report key prefix {team.key_prefix} is used by {holder.name}; "
            "report keys are unique, so choose another prefix."
        )
    if Team.objects.filter(slug=slug).exists():
        raise ValidationFailed(f"There is already a team {slug!r}.")
    try:
        team.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(f"The team is not valid: {_explain(exc)}") from exc
    team.save()
    if admin is not None:
        Membership.objects.create(team=team, user=admin, role=Membership.Role.ADMIN)
    return team


def _free_prefix(slug: str) -> str:
    if not Team.objects.filter(key_prefix="PSRT").exists():
        return "PSRT"
    base = "".join(ch for ch in slug.upper() if ch.isalnum())
    base = base if base[:1].isalpha() else f"T{base}"
    base = (base + "XX")[:10] if len(base) < 2 else base[:10]
    candidate, n = base, 1
    while Team.objects.filter(key_prefix=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def team_add_member(
    team: Team, *, user: User, role: str = Membership.Role.MEMBER, actor: User | None
) -> Membership:
    """Add ``user`` to ``team`` (or change their role). ``actor`` None means the operator's CLI."""
    if actor is not None:
        require_team_admin(actor, team)
    if role not in Membership.Role.values:
        raise ValidationFailed(f"Role must be one of {', '.join(Membership.Role.values)}.")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            team=team, user=user, defaults={"role": role}
        )
        if not created and membership.role != role:
            if membership.role == Membership.Role.ADMIN:
                _refuse_last_admin(team, user)
            membership.role = role
            membership.save(update_fields=["role", "updated_at"])
    return membership


def team_remove_member(team: Team, *, user: User, actor: User | None) -> None:
    """Take ``user`` off the team. Reports they coordinate must then be handed over."""
    if actor is not None:
        require_team_admin(actor, team)
    with transaction.atomic():
        membership = Membership.objects.filter(team=team, user=user).first()
        if membership is None:
            raise NotFound(f"{user} is not a member of {team.name}.")
        if membership.role == Membership.Role.ADMIN:
            _refuse_last_admin(team, user)
        membership.delete()


def _refuse_last_admin(team: Team, user: User) -> None:
    others = Membership.objects.filter(team=team, role=Membership.Role.ADMIN).exclude(user=user)
    if not others.exists():
        raise ApplicationError(
            f"{user} is the last admin of {team.name}; name another admin first."
        )


def project_create(
    team: Team,
    *,
    slug: str,
    name: str,
    repository_url: str = "",
    cve_vendor: str = "",
    cve_product: str = "",
    ecosystem: str = "",
    package_name: str = "",
    actor: User | None,
) -> Project:
    if actor is not None:
        require_team_admin(actor, team)
    project = Project(
        team=team,
        slug=slug,
        name=name,
        repository_url=repository_url,
        cve_vendor=cve_vendor,
        cve_product=cve_product,
        ecosystem=ecosystem,
        package_name=package_name,
    )
    try:
        project.full_clean()
        project.save()
    except IntegrityError as exc:
        raise ValidationFailed(f"{team.name} already has a project {slug!r}.") from exc
    except DjangoValidationError as exc:
        raise ValidationFailed(f"The project is not valid: {_explain(exc)}") from exc
    return project


def reporter_get_or_create(*, email: str, name: str = "") -> Reporter:
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed(f"{email!r} is not an email address.")
    reporter = Reporter.objects.filter(email__iexact=email).first()
    if reporter is None:
        try:
            with transaction.atomic():
                reporter = Reporter.objects.create(email=email, name=name)
        except IntegrityError:
            reporter = Reporter.objects.get(email__iexact=email)
    elif name and not reporter.name:
        reporter.name = name
        reporter.save(update_fields=["name", "updated_at"])
    if reporter.user is None:
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            reporter.user = user
            reporter.save(update_fields=["user", "updated_at"])
    return reporter


def project_update(
    project: Project,
    *,
    actor: User | None,
    name: str,
    repository_url: str = "",
    cve_vendor: str = "",
    cve_product: str = "",
    ecosystem: str = "",
    package_name: str = "",
) -> Project:
    """Change a project's details (its slug stays: public URLs and records name it)."""
    if actor is not None:
        require_team_admin(actor, project.team)
    project.name = name.strip()
    project.repository_url = repository_url.strip()
    project.cve_vendor = cve_vendor.strip()
    project.cve_product = cve_product.strip()
    project.ecosystem = ecosystem
    project.package_name = package_name.strip()
    try:
        project.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(f"The project is not valid: {_explain(exc)}") from exc
    project.save()
    return project


def team_policy_update(
    team: Team,
    *,
    actor: User | None,
    key_prefix: str,
    severity_levels: list[str],
    private_fix_severities: list[str],
    fix_labels: list[str],
    announce_address: str = "",
    private_reporting_url: str = "",
) -> Team:
    """Change the team's policy: report key prefix, severities, fix labels, addresses.

    Severity levels are a subset of the known ones (Low … Critical) in that order; the
    severities needing a private fix are some of them. A new key prefix names only new
    reports, so it may not be one that another team's report keys already start with.
    """
    from vulndesk.reports.models import Report, Severity

    if actor is not None:
        require_team_admin(actor, team)
    key_prefix = key_prefix.strip().upper()
    levels = [s for s in Severity.values if s in severity_levels]
    unknown = [s for s in severity_levels if s not in Severity.values]
    if unknown:
        raise ValidationFailed(
            f"Severity levels must be some of {', '.join(Severity.values)}; "
            f"not {', '.join(unknown)}."
        )
    if not levels:
        raise ValidationFailed("Keep at least one severity level.")
    outside = [s for s in private_fix_severities if s not in levels]
    if outside:
        raise ValidationFailed(
            f"A private fix can only be required for the team's severity levels; "
            f"{', '.join(outside)} is not one of them."
        )
    labels: list[str] = []
    for given in fix_labels:
        label = given.strip()
        if label and label not in labels:
            labels.append(label)
    if any(len(label) > 100 or "," in label for label in labels):
        raise ValidationFailed("A fix label is at most 100 characters, without commas.")
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if key_prefix != locked.key_prefix:
            holder = Team.objects.filter(key_prefix=key_prefix).exclude(pk=team.pk).first()
            if holder is not None:
                raise ValidationFailed(
                    f"The report key prefix {key_prefix} is used by {holder.name}; "
                    "report keys are unique, so choose another prefix."
                )
            if (
                Report.objects.filter(key__startswith=f"{key_prefix}-")
                .exclude(team=locked)
                .exists()
            ):
                raise ValidationFailed(
                    f"Reports of another team have keys starting {key_prefix}-; "
                    "choose another prefix."
                )
        locked.key_prefix = key_prefix
        locked.severity_levels = levels
        locked.private_fix_severities = [s for s in levels if s in private_fix_severities]
        locked.fix_labels = labels
        locked.announce_address = announce_address.strip()
        locked.private_reporting_url = private_reporting_url.strip()
        try:
            # The lists were checked above; an empty one is allowed (no labels needed).
            locked.full_clean(exclude=["private_fix_severities", "fix_labels"])
        except DjangoValidationError as exc:
            raise ValidationFailed(f"The policy is not valid: {_explain(exc)}") from exc
        locked.save()
    team.refresh_from_db()
    return team
