from django.urls import include, path

from vulndesk.core import views as core_views

# Each app owns its own URL module; order matters only where paths could overlap.
urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # django-allauth: login, logout, signup, email verification, password reset, MFA.
    path("accounts/", include("allauth.urls")),
    path("", include("vulndesk.api.urls")),
    path("", include("vulndesk.webhooks.urls")),
    path("", include("vulndesk.desk.urls")),
    path("", include("vulndesk.portal.urls")),
    path("", include("vulndesk.triage.urls")),
    path("", include("vulndesk.fixes.urls")),
    path("", include("vulndesk.cna.urls")),
    path("", include("vulndesk.advisories.urls")),
    path("", include("vulndesk.mail.urls")),
    path("", include("vulndesk.public.urls")),
]
