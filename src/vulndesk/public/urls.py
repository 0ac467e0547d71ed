from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("advisories/", views.advisory_list, name="public-advisory-list"),
    path("advisories/feed.atom", views.atom, name="public-atom"),
    path("advisories/osv/all.json", views.osv_all, name="public-osv-all"),
    path("advisories/osv/all.zip", views.osv_zip, name="public-osv-zip"),
    path("advisories/osv/<str:public_id>.json", views.osv_one, name="public-osv"),
    path("advisories/<str:public_id>/", views.advisory_detail, name="public-advisory"),
    path("projects/<slug:team>/<slug:project>/", views.project_page, name="public-project"),
    path(".well-known/security.txt", views.security_txt, name="public-security-txt"),
    path(
        ".well-known/csaf/provider-metadata.json",
        views.csaf_provider_metadata,
        name="public-csaf-provider-metadata",
    ),
    path(".well-known/csaf/white/index.txt", views.csaf_index, name="public-csaf-index"),
    path(".well-known/csaf/white/changes.csv", views.csaf_changes, name="public-csaf-changes"),
    path(
        ".well-known/csaf/white/<int:year>/<str:name>",
        views.csaf_document,
        name="public-csaf-document",
    ),
]
