from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from inquiry.accounts import urls as accounts_urls
from inquiry.accounts import views as accounts_views

# A database that does not answer is a 503 that retries by itself, not a 500 (inquiry/views.py).
handler500 = "inquiry.views.server_error"

urlpatterns = [
    # The phones' pages first: a room joining at once goes through here ~3 requests a person, and
    # Django tries the patterns in order (no pattern here matches another's paths).
    path("", include("inquiry.urls")),
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include(accounts_urls)),
    *accounts_urls.oidc_urlpatterns,
    path("favicon.ico", RedirectView.as_view(url="/static/linewalk/favicon.svg")),
    path("", include("board.urls")),
]
