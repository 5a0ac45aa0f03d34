import redis

from worker.redis_server import MAX_SOCKET_PATH, EmbeddedRedis


def test_start_is_shared_and_data_survives_a_restart(tmp_path):
    server = EmbeddedRedis(tmp_path)
    assert not server.is_running()
    assert server.start() is True
    try:
        assert server.start() is False  # a second process finds it running
        client = redis.Redis.from_url(server.url)
        client.set("k", "v")
        client.close()
        server.stop()
        assert not server.is_running()
        server.start()
        client = redis.Redis.from_url(server.url)
        assert client.get("k") == b"v"  # append-only file, flushed on shutdown
        client.close()
    finally:
        server.stop()


def test_socket_is_private_to_the_user(tmp_path):
    server = EmbeddedRedis(tmp_path)
    server.start()
    try:
        assert server.socket_path.stat().st_mode & 0o777 == 0o700
    finally:
        server.stop()


def test_deep_data_dirs_get_a_short_socket_path(tmp_path):
    deep = tmp_path / ("d" * 120)
    server = EmbeddedRedis(deep)
    assert len(str(server.socket_path)) <= MAX_SOCKET_PATH
    assert EmbeddedRedis(deep).socket_path == server.socket_path
    assert server.url == f"unix://{server.socket_path}"


def test_stop_when_not_running_does_nothing(tmp_path):
    EmbeddedRedis(tmp_path).stop()
