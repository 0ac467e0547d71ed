"""Who may do what to a team. The one place these rules live for this app."""

from __future__ import annotations

from vulndesk.accounts.models import Membership, Team, User
from vulndesk.core.errors import NotFound, PermissionDenied


def team_role(user: User | None, team: Team) -> str | None:
    """``"admin"``, ``"member"`` or None."""
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()


def is_team_member(user: User | None, team: Team) -> bool:
    """Admins are members too."""
    return team_role(user, team) is not None


def is_team_admin(user: User | None, team: Team) -> bool:
    return team_role(user, team) == Membership.Role.ADMIN


def require_team_member(user: User | None, team: Team) -> None:
    if not is_team_member(user, team):
        raise NotFound(f"There is no team {team.slug!r}.")


def require_team_admin(user: User | None, team: Team) -> None:
    role = team_role(user, team)
    if role is None:
        raise NotFound(f"There is no team {team.slug!r}.")
    if role != Membership.Role.ADMIN:
        raise PermissionDenied(f"Only an admin of {team.name} may do this.")
