"""What every page's header needs: which teams the user staffs (for the nav)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vulndesk.accounts.models import Team


def nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_teams": []}
    # Lazy: only pages that render the nav pay for the query.
    return {
        "nav_teams": Team.objects.filter(memberships__user=user)
        .order_by("slug")
        .only("slug", "name")
    }
