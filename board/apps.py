from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "board"

    def ready(self):
        # The systems map's pictures carry their own small stylesheet (board/systemmap/svg.py): the
        # Content-Security-Policy allows exactly that one inline stylesheet, by its hash (settings.py).
        from django.conf import settings

        from .systemmap.svg import style_source

        styles = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
        if style_source() not in styles:
            styles.append(style_source())

    default_auto_field = "django.db.models.BigAutoField"
