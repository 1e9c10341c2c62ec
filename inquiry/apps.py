from django.apps import AppConfig


class InquiryConfig(AppConfig):
    name = "inquiry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .accounts import signals  # noqa: F401 (connects the sign-in receivers)
        from .limits import check_settings

        check_settings()
