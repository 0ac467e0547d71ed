"""Log a persona into a Django test client the way a person does.

Every web test logs in through `login(client, user)`, never `client.force_login`:
team admins and members must pass multi-factor authentication before they can see
any report, and this helper is the one place that knows how (it enrols a TOTP
device for team staff when they have none, then posts the login form and the code).
Until the login work lands it simply calls force_login; the signature stays.
"""

from __future__ import annotations

from typing import Any

from django.test import Client


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client
