"""robots.txt: what the site lets a crawler fetch, read with the standard library's parser.

A missing robots.txt (4xx) allows everything; one the site cannot serve (5xx, timeout) allows
nothing this run, as RFC 9309 asks. ``Crawl-delay`` makes the harvester wait longer between
requests, never shorter than its own delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.robotparser import RobotFileParser


@dataclass
class RobotsRules:
    text: str | None  # None: nothing may be fetched
    user_agent: str

    def __post_init__(self) -> None:
        self._parser = RobotFileParser()
        self._parser.parse((self.text or "").splitlines())

    @classmethod
    def allow_all(cls, user_agent: str) -> RobotsRules:
        return cls("", user_agent)

    @classmethod
    def deny_all(cls, user_agent: str) -> RobotsRules:
        return cls(None, user_agent)

    def allows(self, url: str) -> bool:
        if self.text is None:
            return False
        return self._parser.can_fetch(self.user_agent, url)

    @property
    def crawl_delay(self) -> float:
        if not self.text:
            return 0.0
        value = self._parser.crawl_delay(self.user_agent)
        try:
            return float(value) if value is not None else 0.0
        except ValueError:
            return 0.0

    @property
    def sitemaps(self) -> list[str]:
        return list(self._parser.site_maps() or []) if self.text else []
