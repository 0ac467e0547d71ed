"""Webhooks: signed event delivery to subscribers."""
