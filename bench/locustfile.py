"""Locust users for bench/web.py: the query mix against one endpoint of a server on 127.0.0.1.

Environment: BENCH_ENDPOINT ("api" -> /api/search, "html" -> /), BENCH_MAX_REQUESTS (the run
stops itself after that many requests, whatever ``--run-time`` says), BENCH_URLS (a file of
request paths, one a line, sent instead of the mix: bench/longtail.py's long-tail stream). Users wait for nothing
between requests (closed loop), so the server runs at its capacity for the given concurrency.
"""

from __future__ import annotations

import itertools
import os
from urllib.parse import parse_qsl, urlencode, urlsplit

from locust import FastHttpUser, events, task

from bench.queries import load_mix

ENDPOINT = os.environ.get("BENCH_ENDPOINT", "api")
PATH = "/api/search" if ENDPOINT == "api" else "/"
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "200000"))
if os.environ.get("BENCH_URLS"):
    with open(os.environ["BENCH_URLS"], encoding="utf-8") as fh:
        URLS = [line.strip() for line in fh if line.strip()]
else:
    URLS = [PATH + "?" + urlencode([("q", row.q), *parse_qsl(row.params)]) for row in load_mix()]
_next = itertools.count()


@events.init.add_listener
def _only_loopback(environment, **_kwargs) -> None:
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"bench/web.py loads only a server on loopback, not {host!r}")


class MixUser(FastHttpUser):
    def wait_time(self) -> float:
        return 0

    @task
    def search(self) -> None:
        n = next(_next)
        if n >= MAX_REQUESTS:
            self.environment.runner.quit()
            return
        self.client.get(URLS[n % len(URLS)], name=PATH)
