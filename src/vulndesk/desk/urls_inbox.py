"""Desk URLs: the inbox pages (included by desk/urls.py under the "desk" namespace).

/desk/ is the inbox of the viewer's team (``?team=<slug>`` for another of their teams);
its queues, filters, search and pages are query parameters of the same page.
"""

from django.urls import URLPattern, URLResolver, path

from vulndesk.desk import views_inbox

urlpatterns: list[URLPattern | URLResolver] = [
    path("desk/", views_inbox.inbox, name="inbox"),
]
