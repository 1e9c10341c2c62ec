from django.apps import AppConfig


class InquiryConfig(AppConfig):
    name = "inquiry"
    default_auto_field = "django.db.models.BigAutoField"
