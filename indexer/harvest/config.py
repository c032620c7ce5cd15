"""What a harvest is told: where to start, which hosts it may visit, how politely, where to keep things.

Built by ``search_app.settings`` from the ``TRACUU_HARVEST_*`` settings (the indexer never reads
the environment). The hosts a harvest may visit are those of its start points plus any named in
``hosts``; host and port both count, so ``http://site:8080`` is not ``http://site``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.harvest.fetch import host_of, normal_url

FOLDER = "thu-thap"  # in the data folder
DOCUMENTS = "trang"  # in the harvest folder: the files the index reads
USER_AGENT = "tracuu-thu-thap/0.1 (cong cu tra cuu cua Lien doan Lao dong; mot yeu cau moi lan)"


@dataclass(frozen=True)
class HarvestConfig:
    folder: Path  # <data>/thu-thap: state, history, staging, and the documents in trang/
    start: tuple[str, ...] = ()  # sitemap.xml, feeds, listing pages
    hosts: tuple[str, ...] = ()  # more hosts it may visit (host or host:port)
    delay: float = 1.0  # seconds between two requests
    timeout: float = 30.0  # seconds for one whole answer
    max_bytes: int = 10 * 1024 * 1024  # one answer
    max_pages: int = 2000  # requests for pages and attachments in one run
    user_agent: str = USER_AGENT

    @property
    def documents(self) -> Path:
        """The folder of harvested documents: an index source like any other."""
        return self.folder / DOCUMENTS

    @property
    def allowed_hosts(self) -> frozenset[str]:
        found = {host_of(u) for u in (normal_url(s) for s in self.start) if u}
        return frozenset(found | {h.strip().lower() for h in self.hosts if h.strip()})

    def own_site(self, url: str | None) -> bool:
        """Whether an address is on the federation's own site (one of the configured hosts)."""
        normal = normal_url(url) if url else None
        return bool(normal) and host_of(normal) in self.allowed_hosts
