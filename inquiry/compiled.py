"""Querysets a hot path runs again and again with other values, compiled to SQL once.

Django compiles a queryset to SQL every time it runs. For the reads of a websocket's connect (the
participant with the EXISTS of what only their screens show; the session row) compiling was most of a
connect's CPU, far more than the database's own work (docs/benchmarks.md, "The connect storm"). A
``Compiled`` builds its queryset once per database and shape of values with marker values in place of the
real ones, keeps the SQL, where each marker went among its parameters and how the compiler maps columns
to objects, and from then on only executes and builds the objects as Django's own iterable does.

Where a marker does not come out exactly once, unchanged, among the parameters (a lookup that transforms
its value), or the queryset asks for what this does not rebuild (prefetching, ``values()``, ``extra()``),
the plan is refused and every call runs the queryset the ordinary way: the answer is the same, only
slower."""

import itertools
import uuid

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import ModelIterable, get_related_populators


class Compiled:
    """``build(**values)`` -> a QuerySet of model instances (ordered and sliced as wanted); ``all`` and
    ``first`` run it with these values. A value that is a list or tuple is planned per length."""

    def __init__(self, build):
        self.build = build
        self.plans = {}  # shape of the values -> _Plan, or None (run the ordinary way)

    def all(self, **values):
        shape = tuple(sorted((name, _length(value)) for name, value in values.items()))
        if shape not in self.plans:
            self.plans[shape] = _Plan.make(self.build, values)
        plan = self.plans[shape]
        if plan is None:
            return list(self.build(**values))
        return plan.run(values)

    def first(self, **values):
        found = self.all(**values)
        return found[0] if found else None


def _length(value):
    return len(value) if isinstance(value, list | tuple) else None


class _Plan:
    @classmethod
    def make(cls, build, values):
        markers, where = {}, {}
        for name, value in values.items():
            if isinstance(value, list | tuple):
                where[name] = [_marker(one) for one in value]
                markers[name] = type(value)(where[name])
            else:
                markers[name] = where[name] = _marker(value)
        queryset = build(**markers)
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
            or queryset.query.extra_select
            or queryset.query.combinator
        ):
            return None
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # a marker out of a column's range (a positive one): the ordinary way
            return None
        positions = {}
        for name, marker in where.items():
            for index, one in enumerate(marker if isinstance(marker, list) else [marker]):
                found = [i for i, param in enumerate(params) if type(param) is type(one) and param == one]
                if len(found) != 1:
                    return None
                positions[(name, index)] = found[0]
        return cls(queryset.db, compiler, sql, params, positions)

    def __init__(self, db, compiler, sql, params, positions):
        self.db, self.sql, self.params, self.positions = db, sql, list(params), positions
        select, klass_info = compiler.select, compiler.klass_info
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.related = get_related_populators(klass_info, select, db)
        self.annotations = list(compiler.annotation_col_map.items())

    def run(self, values):
        params = list(self.params)
        for (name, index), position in self.positions.items():
            value = values[name]
            params[position] = value[index] if isinstance(value, list | tuple) else value
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [self.convert(row, connection) for row in rows]
        found = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.related:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def convert(self, row, connection):
        """The row's values as Python values (booleans and dates on SQLite), as the compiler's would be."""
        row = list(row)
        for position, (converters, expression) in self.converters.items():
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        return row


def _marker(value):
    """A stand-in for ``value`` no real value equals: a string, or for a whole number (an id) a number far
    below any id, as the ORM turns a string given for an id into a number and would refuse this one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return next(_numbers)
    return f"\x00compiled:{uuid.uuid4().hex}"


# Negative (no id is), and within any integer column's range (the ORM refuses a lookup beyond it).
_numbers = itertools.count(-(2**31))
