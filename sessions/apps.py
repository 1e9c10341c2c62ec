from django.apps import AppConfig


class LiveSessionsConfig(AppConfig):
    # The label "sessions" belongs to django.contrib.sessions.
    name = "sessions"
    label = "live_sessions"
    verbose_name = "Live sessions"
    default_auto_field = "django.db.models.BigAutoField"
