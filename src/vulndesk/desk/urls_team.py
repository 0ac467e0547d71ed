"""Desk URLs: the team pages (included by desk/urls.py under the "desk" namespace)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
