"""`vulndesk` command groups of the api app (see vulndesk.cli.PLUGIN_MODULES)."""

from __future__ import annotations

import argparse

# The top-level command names this module adds; the CLI routes them here, not to Django.
COMMANDS: frozenset[str] = frozenset()


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add this app's command groups to the `vulndesk` parser."""
