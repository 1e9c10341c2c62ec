from django.urls import path

from . import views

app_name = "inquiry"

urlpatterns = [
    path("", views.home, name="home"),
    path("join/", views.find, name="find"),
    path("j/<str:code>", views.join, name="join_short"),
    path("i/<str:code>/join/", views.join, name="join"),
    path("i/<str:code>/", views.participate, name="participate"),
    path("i/<str:code>/facilitate/", views.facilitate, name="facilitate"),
    path("i/<str:code>/present/", views.present, name="present"),
    path("i/<str:code>/qr.svg", views.qr, name="qr"),
    path("i/<str:code>/facilitators/", views.add_cofacilitator, name="add_cofacilitator"),
    path("i/<str:code>/settings/", views.settings_page, name="settings"),
    path("i/<str:code>/audit/", views.audit_log, name="audit"),
    path("i/<str:code>/data/", views.data, name="data"),
    path("i/<str:code>/data/retention/", views.retention, name="retention"),
    path("i/<str:code>/data/close/", views.close, name="close"),
    path("i/<str:code>/data/reopen/", views.reopen, name="reopen"),
    path("i/<str:code>/delete/", views.delete, name="delete"),
    path("i/<str:code>/erase/", views.erase, name="erase"),
    path("inquiries/", views.inquiry_list, name="list"),
    path("inquiries/new/", views.inquiry_new, name="new"),
]
