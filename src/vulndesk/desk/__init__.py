"""Desk: the team's web inbox and report pages."""
