"""Write an inquiry's printable report (self-contained HTML, its CSS inline) or its Markdown report."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from board import exports, harvest
from inquiry.models import Inquiry, normalise_code


def write_report(inquiry, output, fmt="html", include_all=False):
    if fmt == "md":
        text = exports.markdown(harvest.build(inquiry, include_all=include_all))
    else:
        text = harvest.report_html(inquiry, include_all=include_all)
    Path(output).write_text(text, encoding="utf-8")


class Command(BaseCommand):
    help = "Write the report of the inquiry with this join code to a file (HTML to print, or Markdown)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the inquiry's join code")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument("--format", choices=["html", "md"], default="html")
        parser.add_argument(
            "--include-all", action="store_true", help="include hidden, held and pending posts"
        )

    def handle(self, *args, code, output, format, include_all, **options):
        inquiry = Inquiry.objects.filter(code=normalise_code(code)).first()
        if inquiry is None:
            raise CommandError(f"No inquiry has the code {code!r}.")
        write_report(inquiry, output, format, include_all)
        self.stdout.write(f"Wrote the {format} report of “{inquiry.title}” to {output}")
