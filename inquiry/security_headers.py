"""The Content-Security-Policy header, built once.

django-csp builds the header from the settings for every response (``build_policy`` over its directives,
twice: the policy and the report-only one), which was a tenth of Django's own time on a join
(``bench.door``). With no nonce asked for and nothing set on the response for itself (``csp_update`` and
the other decorators, ``csp_exempt``), the header is the same for every response: here it is built on
first use and kept while the settings objects are the same ones (``override_settings`` in tests gives new
ones). Anything else goes through django-csp as before. The settings' policies must not be changed in
place after the first response (board/apps.py adds its hash at start-up, before any request)."""

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as StockCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# What a view or decorator sets on a response for its own policy (django-csp 4's attributes).
PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


class CSPMiddleware(StockCSPMiddleware):
    _built = (None, None, None, None)  # the two settings objects, then the two headers

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in PER_RESPONSE)
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        built = self._built
        if built[0] is not policy or built[1] is not report_only:
            built = (policy, report_only, build_policy(), build_policy(report_only=True))
            self._built = built
        for header, value, config in (
            (HEADER, built[2], policy),
            (HEADER_REPORT_ONLY, built[3], report_only),
        ):
            prefixes = tuple((config or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
            if value and header not in response and not request.path_info.startswith(prefixes):
                response[header] = value
        # As django-csp: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
