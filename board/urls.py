from django.urls import path

from . import views
from .nextsteps import views as next_steps
from .systemmap import views as systems_map
from .tables import views as tables

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
    path("i/<str:code>/similar/<int:card_id>/", views.similar_cards, name="similar_cards"),
    path("h/<str:token>/", views.harvest_public, name="harvest_public"),
    path("inquiries/import/", views.import_inquiry, name="import"),
    path("inquiries/sample/", views.sample_inquiry, name="sample"),
    # The systems map's exports (board/systemmap) and a participant's private page (board/nextsteps).
    path("i/<str:code>/export/map.kumu.json", systems_map.export_kumu, name="export_map_kumu"),
    path("i/<str:code>/export/map.graphml", systems_map.export_graphml, name="export_map_graphml"),
    path("i/<str:code>/export/map-links.csv", systems_map.export_links_csv, name="export_map_csv"),
    path("i/<str:code>/export/map.svg", systems_map.export_svg, name="export_map_svg"),
    path("i/<str:code>/export/next-steps.csv", next_steps.export_csv, name="export_steps_csv"),
    path("n/<str:token>/", next_steps.private_page, name="steps_private"),
    path("i/<str:code>/export/tables.csv", tables.export_csv, name="tables_csv"),
]
