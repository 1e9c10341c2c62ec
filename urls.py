from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from inquiry.views import LoginView

urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("favicon.ico", RedirectView.as_view(url="/static/linewalk/favicon.svg")),
    path("", include("board.urls")),
    path("", include("inquiry.urls")),
]
