"""Existing users' addresses were set by an admin: record them as verified, so that the
mandatory email verification of new sign-ups does not lock them out."""

from typing import Any

from django.db import migrations


def verify_existing(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")  # noqa: N806 - a model class
    EmailAddress = apps.get_model("account", "EmailAddress")  # noqa: N806
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=user.pk, email=user.email, verified=True, primary=True)
        for user in User.objects.exclude(pk__in=known).exclude(email="")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_team_key_prefix_unique"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(verify_existing, migrations.RunPython.noop)]
