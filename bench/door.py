"""The door in process: what Django spends on each step of a join, without an HTTP server.

``python -m bench.door`` migrates a throwaway database (SQLite in a temp dir; ``--postgres URL|auto``: a
throwaway PostgreSQL database, as ``bench.live`` makes them; ``REDIS_URL`` in the environment: Django's
cache on Redis, as in production), creates an inquiry, and sends ``--joins`` participants one after
another through the three requests of a join (the join page, the form with its CSRF token, the
participant's page), calling Django's WSGI handler as ``sessions/pool.py`` does. It prints the CPU time
per step (``time.process_time``, after ``--warm`` joins) and the queries each step made
(``CaptureQueriesContext``, one join); ``--profile FILE`` writes a cProfile of the measured joins.

CPU time, not wall time: it is what a busy shared box inflates least (docs/benchmarks.md, "The door").
"""

import argparse
import cProfile
import gzip
import html
import io
import os
import re
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

STEPS = ("join_page", "post", "participant_page")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HOST = "127.0.0.1:8000"


def setup(postgres):
    tmp = Path(tempfile.mkdtemp(prefix="linewalk-door-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="settings",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-door-" + "x" * 40,
        SQLITE_PATH=str(tmp / "door.sqlite3"),
        REDIS_PREFIX=f"linewalk-door-{os.getpid()}",
    )
    os.environ.pop("DEBUG", None)
    dropped = None
    if postgres:
        from bench.live import servers

        class Made:
            database = None

        made = Made()
        os.environ["DATABASE_URL"] = servers.create_database(postgres, made)
        dropped = made.database
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return dropped


class Phone:
    """One browser: its cookies, and the three requests of a join through ``app`` (a WSGI handler)."""

    def __init__(self, app, gzip_ok):
        self.app, self.gzip_ok, self.cookies = app, gzip_ok, {}

    def request(self, method, path, body=b"", headers=()):
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": HOST,
            "HTTP_ACCEPT": "text/html",
        }
        if self.gzip_ok:
            environ["HTTP_ACCEPT_ENCODING"] = "gzip, deflate, br"
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        environ.update(headers)
        started = {}

        def start_response(status, response_headers, exc_info=None):
            started["status"], started["headers"] = int(status[:3]), response_headers

        response = self.app(environ, start_response)
        content = b"".join(response)
        response.close()
        for name, value in started["headers"]:
            if name.lower() == "set-cookie":
                cookie, _, _ = value.strip().partition(";")
                key, _, val = cookie.partition("=")
                self.cookies[key] = val
        if content[:2] == b"\x1f\x8b":
            content = gzip.decompress(content)
        return started["status"], dict(started["headers"]), content

    def join(self, code, index, spent, queries=None):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        path = f"/i/{code}/join/"
        steps = {}

        def timed(step, *args, **kwargs):
            capture = CaptureQueriesContext(connection)
            started = time.process_time()
            if queries is not None:
                with capture:
                    result = self.request(*args, **kwargs)
                queries[step] = [q["sql"] for q in capture.captured_queries]
            else:
                result = self.request(*args, **kwargs)
            spent[step] += time.process_time() - started
            steps[step] = result
            return result

        status, _, page = timed("join_page", "GET", path)
        assert status == 200, status
        token = html.unescape(TOKEN.search(page.decode()).group(1))
        form = {"csrfmiddlewaretoken": token, "display_name": f"door {index}", "sector": "Health"}
        origin = f"http://{HOST}"
        headers = {
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_ORIGIN": origin,
            "HTTP_REFERER": origin + path,
        }
        status, response_headers, page = timed(
            "post", "POST", path, urllib.parse.urlencode(form).encode(), headers
        )
        if status == 302:  # a server from before the form answered with the page itself
            status, _, page = timed("participant_page", "GET", response_headers["Location"])
        assert status == 200 and b'id="lw-socket"' in page, status


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.door", description=__doc__.split("\n\n")[0])
    p.add_argument("--joins", type=int, default=300)
    p.add_argument("--warm", type=int, default=20)
    p.add_argument("--postgres", default="", help="PostgreSQL server URL (or auto), as in bench.live")
    p.add_argument("--gzip", action="store_true", help="the phones accept gzip (the storm's client does not)")
    p.add_argument("--queries", action="store_true", help="print each step's SQL")
    p.add_argument("--profile", metavar="FILE", help="cProfile of the measured joins into FILE")
    a = p.parse_args(argv)
    postgres = ""
    if a.postgres:
        from bench.live import servers

        postgres = servers.resolve_postgres(a.postgres)
    dropped = setup(postgres)
    try:
        from django.contrib.auth import get_user_model
        from django.core.wsgi import get_wsgi_application

        from inquiry.actions import create_inquiry

        user = get_user_model().objects.create_user(username="door-facilitator")
        code = create_inquiry(
            user,
            title="Door",
            question="Who is here?",
            rounds=[],
            sectors=["Health", "Housing"],
            show_names=False,
        ).code
        app = get_wsgi_application()
        spent = dict.fromkeys(STEPS, 0.0)
        for i in range(a.warm):
            Phone(app, a.gzip).join(code, i, spent)
        queries = {}
        Phone(app, a.gzip).join(code, a.warm, spent, queries)
        spent = dict.fromkeys(STEPS, 0.0)
        profile = cProfile.Profile() if a.profile else None
        if profile:
            profile.enable()
        for i in range(a.joins):
            Phone(app, a.gzip).join(code, a.warm + 1 + i, spent)
        if profile:
            profile.disable()
            profile.dump_stats(a.profile)
        database = "PostgreSQL" if postgres else "SQLite"
        cache = "Redis" if os.environ.get("REDIS_URL") else "local memory"
        print(
            f"Door in process ({database}, cache in {cache}; {a.joins} joins; load {os.getloadavg()[0]:.1f})"
        )
        for step in (step for step in STEPS if step in queries):
            print(f"  {step:<18}{1000 * spent[step] / a.joins:6.2f} ms of CPU, {len(queries[step])} queries")
            if a.queries:
                for sql in queries[step]:
                    print(f"      {sql[:150]}")
        print(f"  {'a join':<18}{1000 * sum(spent.values()) / a.joins:6.2f} ms of CPU")
    finally:
        if dropped:
            from django.db import connections

            from bench.live import servers

            connections.close_all()
            servers.drop_database(*dropped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
