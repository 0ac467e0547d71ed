"""Triage: assessment aids, deadlines, reminders and metrics."""
