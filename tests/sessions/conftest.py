import pytest

from .. import servers


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of the test's own (loopback, a free port), to stop, fill or hang without touching anyone's."""
    server = servers.RedisServer(tmp_path / "redis.log").start()
    yield server
    server.stop()
