"""Cost of the rate limits (inquiry/limits.py): ``python -m bench.limits``.

What one check adds to a message a screen sends (the in-process token bucket every websocket message
goes through, and the post bucket in the post action), and to an HTTP join, wrong code or login (the
shared counters in Django's cache: this process's memory, or Redis with ``--redis URL``).

    .venv/bin/python -m bench.limits
    .venv/bin/python -m bench.limits --redis redis://127.0.0.1:6379/5

Needs no database. Prints microseconds per call (median and 99th percentile of --repeat timed batches)."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def setup_django(redis_url):
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
        os.environ["REDIS_PREFIX"] = f"linewalk-bench-limits-{os.getpid()}"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def per_call(fn, calls, repeat, before=None):
    """Microseconds per call: median and p99 over ``repeat`` batches of ``calls`` calls (``before``: run
    untimed before each batch)."""
    batches = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        for index in range(calls):
            fn(index)
        batches.append((time.perf_counter() - started) / calls * 1e6)
    batches.sort()
    return statistics.median(batches), batches[min(len(batches) - 1, int(len(batches) * 0.99))]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.limits", description=__doc__.split("\n\n")[0])
    p.add_argument("--participants", type=int, default=1000, help="distinct senders, round robin")
    p.add_argument("--calls", type=int, default=1000, help="calls per timed batch")
    p.add_argument("--repeat", type=int, default=50)
    p.add_argument("--redis", default="", help="time the HTTP counters on this Redis (else in memory)")
    a = p.parse_args(argv)
    setup_django(a.redis)
    from django.conf import settings
    from django.test import RequestFactory

    from inquiry import limits
    from inquiry.access import PARTICIPANT, Actor

    limits.reset()
    actors = [Actor(PARTICIPANT, 1, participant_id=n + 1) for n in range(a.participants)]
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    rows = [
        ("socket message (token bucket)", lambda i: limits.socket_message(actors[i % len(actors)])),
        (
            "post under the limit (token bucket)",
            lambda i: limits.take_post(actors[i % len(actors)].participant_id),
        ),
        ("HTTP check (cache get_many)", lambda i: limits.check("wrong_code_ip", f"addr-{i}")),
        ("HTTP hit (get_many, add, incr)", lambda i: limits.hit("join_ip", (f"addr-{i}", 1))),
        ("login refusal (3 checks)", lambda i: limits.login_refusal(request, f"user-{i}")),
    ]
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"rate limit costs, {a.participants:,} senders, cache: {backend}")
    print(f"{'what':44} {'median us':>10} {'p99 us':>10}")
    for name, fn in rows:
        http = name.startswith(("HTTP", "login"))
        calls = max(1, a.calls // 20) if http and a.redis else a.calls
        # Each batch starts with every bucket full, as in a room where nobody is over a limit.
        median, p99 = per_call(fn, calls, a.repeat, before=limits.buckets.clear)
        print(f"{name:44} {median:10.2f} {p99:10.2f}")
    if a.redis:
        prefix = os.environ["REDIS_PREFIX"]
        import redis

        with redis.Redis.from_url(a.redis) as client:
            for key in client.scan_iter(match=f"{prefix}*"):
                client.delete(key)


if __name__ == "__main__":
    main()
