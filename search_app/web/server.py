"""The production server: gunicorn, one process per core, a few threads in each.

Searching is CPU work under one interpreter lock per process, so threads alone would leave
the other cores idle. The app is built once in the parent and the workers fork from it, so
pyvi's model and the index's arrays, loaded before the fork, are shared between them.

The socket is bound here first (``bind``), before anything slow, and handed to gunicorn as
``fd://N``, which listens on it: a busy port is a clear error at once rather than gunicorn's
retries and English log lines, and the port stays bound to us from the check to the serving.
Until gunicorn listens, connections are refused, not queued: a client is not kept waiting while
the index is built or loaded.
"""

from __future__ import annotations

import errno
import gc
import socket
from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication


class CannotListen(RuntimeError):
    """The address cannot be listened on. ``reason`` is in Vietnamese; ``option`` is the
    setting to change: "port" or "host"."""

    def __init__(self, reason: str, option: str):
        super().__init__(reason)
        self.reason = reason
        self.option = option


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` as gunicorn would bind it, not yet listening; or CannotListen."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError):
        raise CannotListen(f"Không tìm thấy địa chỉ {host}", "host") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: a port in TIME_WAIT is free
        sock.bind(address)  # refused while another program listens on the port
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(f"Cổng {port} đang được dùng bởi chương trình khác", "port") from None
        if exc.errno == errno.EACCES:
            raise CannotListen(f"Không được phép mở cổng {port} (cổng dưới 1024 cần quyền quản trị)", "port") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise CannotListen(f"Máy này không có địa chỉ {host}", "host") from None
        raise CannotListen(f"Không mở được cổng {port} trên {host} (mã lỗi {exc.errno})", "port") from None
    return sock


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(
    app: Flask,
    listener: socket.socket,
    *,
    workers: int,
    threads: int,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve ``app`` on ``listener`` (from ``bind``; gunicorn takes it over) until stopped.

    ``on_ready`` is called once gunicorn listens, as its workers start.
    """
    engine = app.extensions["engine"]
    engine.warm()  # pyvi's model and the index's arrays, loaded before the fork
    engine.close()  # each worker opens its own searcher: Whoosh's files carry a read position
    # what is loaded now lives as long as the server: the collector never walks it again (a full
    # collection over pyvi's model and the speller took a quarter of a second), and the workers'
    # collections do not write to the pages they share with this process
    gc.collect()
    gc.freeze()
    options = {
        "bind": f"fd://{listener.detach()}",  # gunicorn owns (and closes) the descriptor from here
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": 120,
        "graceful_timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    if on_ready:
        options["when_ready"] = lambda _arbiter: on_ready()
    _Gunicorn(app, options).run()
