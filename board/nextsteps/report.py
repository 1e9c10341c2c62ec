"""What happens next in the reports and the harvest: the actions, who signed up by sector (small
sectors counted together) and the room's dots. Never who signed up, never a contact."""

from django.db.models import Count
from django.template.defaultfilters import pluralize

from board.models import Dot

from .models import NextStep
from .render import annotate


def build(inquiry):
    steps = annotate(
        inquiry,
        list(NextStep.objects.filter(inquiry=inquiry, hidden=False).select_related("theme").order_by("pk")),
    )
    dots = dict(
        Dot.objects.filter(step__in=steps, participant__removed=False)
        .values_list("step_id")
        .annotate(n=Count("pk"))
    )
    for step in steps:
        step.total_dots = dots.get(step.pk, 0)
    return sorted(steps, key=lambda s: (-s.total_dots, -s.signup_total, s.pk))


def markdown(steps, md):
    if not steps:
        return []
    lines = ["## What happens next", ""]
    for step in steps:
        about = []
        if step.with_whom:
            about.append(f"with {md(step.with_whom)}")
        if step.by_when:
            about.append(md(step.when_phrase))
        if step.theme:
            about.append(f"theme: {md(step.theme.name)}")
        lines.append(
            f"- **{md(step.what)}**{' (' + '; '.join(about) + ')' if about else ''}: "
            f"{step.signup_total} signed up{md(step.sectors_in_words)}, "
            f"{step.total_dots} dot{pluralize(step.total_dots)}"
        )
    return lines + [""]
