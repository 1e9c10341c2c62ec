"""Counts of related rows as subqueries, to annotate a query with: a subquery each, not a join, since two
counts over one join would multiply each other."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def count_of(rows, by):
    """How many of ``rows`` point (by their field ``by``) at each row of the query annotated (0 for none)."""
    per = rows.filter(**{by: OuterRef("pk")}).order_by().values(by).annotate(n=Count("pk"))
    return Coalesce(Subquery(per.values("n"), output_field=IntegerField()), Value(0))
