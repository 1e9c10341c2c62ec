"""Weight and first byte of the live pages on a big board: ``python -m bench.pages``.

Builds a board of 1,000 cards (12 themes, a third not yet placed, 100 participants with dots and
reactions) in a throwaway SQLite file, serves it with one Daphne process as ``make run`` does (the
embedded default: SQLite, the in-memory channel layer, HTTP on Daphne's thread pool), logs a facilitator
in, and asks for the presenter and facilitator pages (and a participant's) again and again, one request
at a time, each on a fresh connection as a browser opening the page would. It prints, per page: the HTML's
size as sent plain and gzip-compressed, and the time to first byte (request written -> status line
read) as p50 / p95 / max over the runs, after two warm-up requests. It also prints the box's load
average at the start and end: read the figures beside it.

    .venv/bin/python -m bench.pages                    # 1,000 cards, 20 runs per page
    .venv/bin/python -m bench.pages --cards 600 --runs 50"""

import argparse
import asyncio
import gzip
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .actions import populate, setup_django
from .wsclient import connect

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(directory, port):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings",
        "SQLITE_PATH": str(Path(directory) / "bench.sqlite3"),
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "DEBUG"):
        env.pop(name, None)
    daphne = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    # make run's websocket limits: a snapshot of a 1,000-card board is over Daphne's default 1 MiB.
    daphne += ["--websocket-max-message-size", "16777216", "--websocket-max-frame-size", "16777216"]
    daphne += ["asgi:application"]
    log = open(os.environ.get("BENCH_DAPHNE_LOG", Path(directory) / "daphne.log"), "w")  # noqa: SIM115
    process = subprocess.Popen(daphne, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit(f"Daphne did not start; see {log.name}")


def session_cookie(user):
    """A logged-in session for ``user``, written to the database the server reads."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def participant_cookie(inquiry):
    """A participant's session, made through the join form as a phone would (its CSRF token first)."""
    from django.conf import settings
    from django.test import Client

    client = Client(enforce_csrf_checks=False)
    client.post(
        f"/i/{inquiry.code}/join/",
        {"display_name": "", "sector": inquiry.sectors[0]},
        HTTP_HOST="127.0.0.1",
    )
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def fetch(port, path, cookie, compressed):
    """(seconds to the status line, body bytes as sent, status)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    if compressed:
        headers["Accept-Encoding"] = "gzip"
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    first_byte = time.perf_counter() - started
    body = response.read()
    connection.close()
    return first_byte, body, response.status, response.getheader("Content-Encoding")


def measure(port, name, path, cookie, runs):
    _, plain, status, _ = fetch(port, path, cookie, compressed=False)
    if status != 200:
        sys.exit(f"{name}: HTTP {status} for {path}")
    _, packed, _, encoding = fetch(port, path, cookie, compressed=True)
    assert encoding == "gzip" and gzip.decompress(packed)
    times = [fetch(port, path, cookie, compressed=True)[0] * 1000 for _ in range(runs)]
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"{name:<12} {len(plain) / 1024:>8.0f} KB {len(packed) / 1024:>7.0f} KB   "
        f"{statistics.median(times):>6.0f} {p95:>6.0f} {times[-1]:>6.0f}"
    )


async def first_board(port, path, cookie):
    """Seconds from opening the page's socket to the frame that brings the board (the snapshot)."""
    started = time.perf_counter()
    socket_ = await connect(f"ws://127.0.0.1:{port}{path}", origin=f"http://127.0.0.1:{port}", cookie=cookie)
    try:
        while True:
            message = await asyncio.wait_for(socket_.recv(), 60)
            if 'id="live"' in message:
                return time.perf_counter() - started, len(message)
    finally:
        await socket_.close()


def measure_board(port, inquiry, name, path, cookie, runs):
    """The board's arrival: cold (the room changed since the last snapshot, so the server renders it)
    and warm (another screen of the same kind already had this one)."""
    from django.db.models import F

    from inquiry.models import Inquiry

    cold, warm = [], []
    for _ in range(runs):
        Inquiry.objects.filter(pk=inquiry.pk).update(seq=F("seq") + 1)  # as any change does
        seconds, size = asyncio.run(first_board(port, path, cookie))
        cold.append(seconds * 1000)
        warm.append(asyncio.run(first_board(port, path, cookie))[0] * 1000)
    cold.sort()
    warm.sort()
    print(
        f"{name:<12} {size / 1024:>8.0f} KB   cold {statistics.median(cold):>6.0f} {cold[-1]:>6.0f}   "
        f"warm {statistics.median(warm):>6.0f} {warm[-1]:>6.0f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--port", type=int, default=0, help="default: a free port on 127.0.0.1")
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    with tempfile.TemporaryDirectory(prefix="linewalk-pages-") as directory:
        setup_django(directory)
        inquiry, facilitator, *_ = populate(args.participants, args.cards, 12, 3, 2, seed=11)
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(pk=facilitator.user_id)
        cookie = session_cookie(user)
        phone = participant_cookie(inquiry)
        port = args.port or free_port()
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start")
        server = serve(directory, port)
        try:
            print(f"{args.cards} cards, 12 themes, {args.participants} participants, {args.runs} runs each")
            print(f"{'page':<12} {'HTML':>11} {'gzip':>10}   first byte ms: p50    p95    max")
            measure(port, "presenter", f"/i/{inquiry.code}/present/", cookie, args.runs)
            measure(port, "facilitator", f"/i/{inquiry.code}/facilitate/", cookie, args.runs)
            measure(port, "participant", f"/i/{inquiry.code}/", phone, args.runs)
            print(f"{'board frame':<12} {'size':>11}   ms to the board: p50    max (cold, then warm)")
            runs = max(3, args.runs // 4)
            measure_board(port, inquiry, "presenter", f"/ws/i/{inquiry.code}/?view=presenter", cookie, runs)
            measure_board(port, inquiry, "facilitator", f"/ws/i/{inquiry.code}/", cookie, runs)
        finally:
            server.terminate()
            server.wait(timeout=10)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
