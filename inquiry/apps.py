from django.apps import AppConfig


class InquiryConfig(AppConfig):
    name = "inquiry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .accounts import signals  # noqa: F401 (connects the sign-in receivers)
        from .door import inquiry_changed
        from .limits import check_settings

        check_settings()
        post_save.connect(inquiry_changed, sender="inquiry.Inquiry", dispatch_uid="door")
        post_delete.connect(inquiry_changed, sender="inquiry.Inquiry", dispatch_uid="door")
