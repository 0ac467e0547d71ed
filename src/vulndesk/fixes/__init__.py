"""Fixes: fix targets, pull requests, GitHub."""
