from django.urls import URLPattern, URLResolver, path

from vulndesk.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [path("api/v1/", api.urls)]
