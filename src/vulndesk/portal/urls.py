"""Reporter portal: /report/ (the private form), /portal/ (my reports and their conversation)."""

from django.urls import URLPattern, URLResolver

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = []
