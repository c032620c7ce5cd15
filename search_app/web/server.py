"""The production server: gunicorn, one process per core, a few threads in each.

Searching is CPU work under one interpreter lock per process, so threads alone would leave
the other cores idle. The app is built once in the parent and the workers fork from it, so
pyvi's model and the index's arrays, loaded before the fork, are shared between them.
"""

from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


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


def serve(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    engine = app.extensions["engine"]
    engine.warm()  # pyvi's model and the index's arrays, loaded before the fork
    engine.close()  # each worker opens its own searcher: Whoosh's files carry a read position
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": 120,
        "graceful_timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(app, options).run()
