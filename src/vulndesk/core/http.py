"""Who is asking: the client's address, the same way for login throttling and our limits.

Behind a reverse proxy, REMOTE_ADDR is the proxy's address, so limits "per client
address" would throttle everyone at once. VULNDESK_TRUSTED_PROXY_COUNT (allauth's
ALLAUTH_TRUSTED_PROXY_COUNT) says how many proxies append to X-Forwarded-For; the client
is then the address that many entries from the right, which a client cannot forge (it
can only add entries on the left). allauth reads it that way for login throttling; the
report form and the API use the same reading through allauth's adapter.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address; the connection's when the forwarded header is short or absent."""
    try:
        return str(get_adapter(request).get_client_ip(request))
    except (ImproperlyConfigured, PermissionDenied):
        # Fewer X-Forwarded-For entries than trusted proxies: the request did not come
        # through them (or they are set up otherwise); count the connection itself.
        return str(request.META.get("REMOTE_ADDR") or "unknown")
