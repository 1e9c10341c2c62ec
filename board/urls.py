from django.urls import path

from . import views

app_name = "board"

urlpatterns = [
    path("i/<str:code>/export/contributions.csv", views.export_csv, name="export_csv"),
    path("i/<str:code>/export/comments.csv", views.export_polis, name="export_polis"),
    path("i/<str:code>/export/inquiry.json", views.export_json, name="export_json"),
    path("i/<str:code>/export/report.md", views.export_markdown, name="export_markdown"),
    path("i/<str:code>/export/report/", views.export_report, name="export_report"),
    path("i/<str:code>/harvest/", views.harvest_manage, name="harvest"),
    path("i/<str:code>/harvest/publish/", views.harvest_publish, name="harvest_publish"),
    path("i/<str:code>/harvest/unpublish/", views.harvest_unpublish, name="harvest_unpublish"),
    path("h/<str:token>/", views.harvest_public, name="harvest_public"),
    path("inquiries/import/", views.import_inquiry, name="import"),
]
