"""Django's Redis cache backend (settings.CACHES when REDIS_URL is set), with one Redis client kept per
connection pool.

Django's backend builds a new ``redis.Redis`` object for every cache call (its constructor sets up
the table of reply parsers each time). The rate limits and the door read the cache several times a
request, and in the two-process configuration building those clients was ~8% of the server's time in a
room joining at once (docs/benchmarks.md, "The door"). A ``redis.Redis`` over a connection pool is
safe to share between threads, so one per pool is kept; connections, timeouts and everything else are
Django's and redis-py's as before."""

import redis  # noqa: F401 - loaded with the backend at start-up (asgi.py), not by the first request
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client
