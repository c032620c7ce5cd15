"""Harvesting the federation's website into the index: new and changed articles arrive by themselves.

* ``config``     what a harvest is told (start points, hosts, delay, limits, folders)
* ``fetch``      polite HTTP (httpx): allowed hosts only, robots.txt, a delay, conditional
                 requests, redirects checked, size and time limits, retries
* ``robots``     robots.txt rules (the standard library's parser)
* ``discover``   articles from sitemaps, RSS/Atom feeds and category listings with pagination
* ``page``       an article page read into title, date line, paragraphs, captions, attachments,
                 and written back as the clean HTML the indexer reads (``extract.from_html``)
* ``store``      a stable document id and file for each address; the identity sidecar
* ``state``      what each address was last time (validators, digest, document, status);
                 the staging area of a run
* ``history``    the run going on and the runs before it, for staff; the one-at-a-time lock
* ``run``        one harvest, crash-safe, one commit; staff confirming or refusing removals
* ``background`` a harvest in a thread, for the staff page

Harvested documents live in ``<data>/thu-thap/trang/``, a source of the index like any other,
so a full reindex keeps them.
"""

from indexer.harvest.config import HarvestConfig
from indexer.harvest.history import RunReport
from indexer.harvest.run import (
    HarvestBusy,
    HarvestError,
    confirm_removal,
    harvest,
    keep_document,
    pending_removals,
)

__all__ = [
    "HarvestBusy",
    "HarvestConfig",
    "HarvestError",
    "RunReport",
    "confirm_removal",
    "harvest",
    "keep_document",
    "pending_removals",
]
