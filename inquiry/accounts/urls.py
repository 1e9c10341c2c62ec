from django.contrib.auth import views as auth_views
from django.urls import path

from . import oidc, views

app_name = "accounts"


urlpatterns = [
    path("", views.account, name="account"),
    path("login/code/", views.login_code, name="login_code"),
    path("invitation/<str:token>/", views.accept_invitation, name="invitation"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.email_only(
            auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.email_only(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="accounts/password_reset_complete.html"
            )
        ),
        name="password_reset_complete",
    ),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/start/", views.two_factor_start, name="two_factor_start"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", views.two_factor_recovery, name="two_factor_recovery"),
    path("two-factor/off/", views.two_factor_off, name="two_factor_off"),
    path("facilitators/", views.facilitators, name="facilitators"),
    path("facilitators/<int:user_id>/remove/", views.facilitator_remove, name="facilitator_remove"),
    path("facilitators/<int:user_id>/<str:change>/", views.facilitator_change, name="facilitator_change"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("organisation/", views.organisation, name="organisation"),
    path("audit/", views.audit, name="audit"),
]

# Outside the namespace: the names mozilla-django-oidc reverses. /oidc/callback/ is the redirect URI to
# register with the provider.
oidc_urlpatterns = [
    path("oidc/authenticate/", views.sso_only(oidc.SignIn.as_view()), name="oidc_authentication_init"),
    path("oidc/callback/", views.sso_only(oidc.Callback.as_view()), name="oidc_authentication_callback"),
]
