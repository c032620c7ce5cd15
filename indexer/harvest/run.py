"""One harvest: find the site's articles, fetch what is new or changed, index it in one commit.

A run, holding the harvest lock (one at a time):

1. takes up what a killed run left (``state.Staging``): a plan means fetching was done and the
   commit may not have happened: its files are moved into place and indexed, its state written;
   a journal without a plan means fetching was cut short: what it fetched is kept, and asked
   again with its own validators, so a 304 confirms the staged copy instead of downloading it;
2. reads robots.txt and the start points (sitemaps, feeds, listings with their pagination);
3. asks about every article found and every one known before (oldest checked first), each with
   the validators of its last answer: 304 costs nothing, 200 is read (``page``) and, when the
   clean page or the file differs from what is kept, staged; 404/410 of an indexed page lists it
   for staff to confirm (``gone``), never removes it;
4. with anything staged: writes the plan, moves the files into the documents folder, builds the
   index from just those files (one commit), then writes the state. With nothing staged, no build
   and no commit: only the state (the validators of this run) is written.

A kill before the commit leaves the index as it was; after it, the next run finds the work done.
Removals happen only when staff confirm one (``confirm_removal``), the same way: note, delete the
file, build, note again.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import filelock

from indexer.harvest import history
from indexer.harvest.config import HarvestConfig
from indexer.harvest.discover import (
    Links,
    from_feed,
    from_listing,
    from_sitemap,
    is_attachment,
    kind_of,
    looks_like_listing,
)
from indexer.harvest.fetch import Fetched, FetchError, PoliteClient, host_of, normal_url, origin_of
from indexer.harvest.history import Progress, RunReport
from indexer.harvest.page import clean_html, read_page
from indexer.harvest.robots import RobotsRules
from indexer.harvest.state import STATE, Record, Staging, load_state, save_state, state_text, write_atomically
from indexer.harvest.store import doc_id_for, identity_sidecar, relative_file, sidecar_relative
from indexer.index.build import build_index, recorded_sources
from indexer.index.ingest import IngestError, sniff

BUSY = "Đang có một lần thu thập khác chạy; hãy đợi nó xong."
MIN_ARTICLE_CHARS = 80  # a page with less text than this is not an article (a menu page, an empty category)
INDEX_WAIT = 600  # seconds to wait for another build to finish


class HarvestBusy(RuntimeError):
    """Another harvest (or a removal) is going on."""


class HarvestError(ValueError):
    """A harvest that cannot start or a change refused; the message is Vietnamese."""


def _lock(config: HarvestConfig, wait: float = 0) -> filelock.FileLock:
    config.folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(config.folder / history.LOCK))
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        raise HarvestBusy(BUSY) from None
    return lock


def harvest(
    config: HarvestConfig,
    index_dir: Path,
    *,
    trigger: str = "dòng lệnh",
    build_options: dict | None = None,
    on_started: Callable[[], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> RunReport:
    """Run one harvest (see the module docstring); HarvestBusy when one is going on already."""
    if not config.start:
        raise HarvestError("Chưa cấu hình điểm bắt đầu thu thập (TRACUU_HARVEST_START).")
    earlier = history.current(config.folder)  # read before the lock: ours would hide a killed run's
    lock = _lock(config)
    try:
        if earlier is not None and earlier.outcome == "interrupted":
            history.append_run(config.folder, earlier)  # the killed run shows in the history too
        report = RunReport(trigger=trigger)
        progress = Progress(config.folder, report)
        progress.save(force=True)
        if on_started:
            on_started()
        try:
            _Run(config, Path(index_dir), progress, build_options or {}, on_phase).go()
            report.finish()
        except Exception as exc:  # reported to staff; the index keeps its last commit
            report.message = f"Lỗi: {type(exc).__name__}: {exc}. Chỉ mục không thay đổi; lần sau sẽ thử lại."
            report.finish("failed")
        progress.save(force=True)
        history.append_run(config.folder, report)
        return report
    finally:
        lock.release()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decoded(fetched: Fetched) -> str:
    m = re.search(r"charset=([\w-]+)", fetched.content_type or "", re.I)
    try:
        return fetched.body.decode(m.group(1) if m else "utf-8", errors="replace")
    except LookupError:
        return fetched.body.decode("utf-8", errors="replace")


class _Run:
    def __init__(self, config: HarvestConfig, index_dir: Path, progress: Progress, build_options: dict, on_phase):
        self.config = config
        self.index_dir = index_dir
        self.progress = progress
        self.report = progress.report
        self.build_options = build_options
        self.on_phase = on_phase
        self.staging = Staging(config.folder)
        self.records: dict[str, Record] = {}
        self.robots: dict[str, RobotsRules] = {}
        self.changes: list[str] = []
        self.queue: list[tuple[str, str]] = []  # (url, "page" | "attachment") to ask about
        self.queued: set[str] = set()

    def phase(self, name: str) -> None:
        self.progress.phase(name)
        if self.on_phase:
            self.on_phase(name)

    # --- the run ------------------------------------------------------------------------------

    def go(self) -> None:
        self.records = load_state(self.config.folder)
        if self.staging.has_plan():
            self.report.resumed = True
            self._apply_plan(self.staging.read_plan())
            self.records = load_state(self.config.folder)
        _finish_removals(self.config, self.index_dir, self.records)
        self.pending = self.staging.journal()
        self.report.resumed = self.report.resumed or bool(self.pending)
        self.client = PoliteClient(
            self.config.allowed_hosts,
            user_agent=self.config.user_agent,
            delay=self.config.delay,
            timeout=self.config.timeout,
            max_bytes=self.config.max_bytes,
            robots=self._robots,
        )
        try:
            self.phase("discover")
            self._discover()
            self._queue_known()
            self.phase("fetch")
            self._fetch_all()
        finally:
            self.report.requests = self.client.requests
            self.client.close()
        self.report.pending = sum(r.status == "gone" for r in self.records.values())
        self._commit()

    def _budget_left(self) -> bool:
        if self.client.requests < self.config.max_pages:
            return True
        if not self.report.message:
            self.report.message = (
                f"Đã đạt giới hạn {self.config.max_pages} yêu cầu mỗi lần; lần sau sẽ hỏi tiếp các trang còn lại."
            )
        return False

    def _robots(self, origin: str) -> RobotsRules:
        if origin in self.robots:
            return self.robots[origin]
        url = origin + "/robots.txt"
        record = self.records.get(url) or Record("robots")
        agent = self.config.user_agent
        rules = RobotsRules.deny_all(agent)
        self.robots[origin] = rules  # while it is being fetched, nothing else goes to this site
        try:
            fetched = self.client.get(url, etag=record.etag, last_modified=record.last_modified, robots=False)
        except FetchError as exc:
            self.report.error(url, f"không đọc được robots.txt ({exc}); không tải gì từ {host_of(url)} lần này")
            return rules
        self._count(fetched)
        if fetched.status == 304 and record.text is not None:
            rules = RobotsRules(record.text, agent)
        elif fetched.status == 200:
            text = _decoded(fetched)
            rules = RobotsRules(text, agent)
            self.records[url] = Record("robots", fetched.etag, fetched.last_modified, text=text)
        elif 400 <= fetched.status < 500:
            rules = RobotsRules.allow_all(agent)
            self.records[url] = Record("robots", text="")
        else:
            self.report.error(url, f"robots.txt trả lời mã {fetched.status}; không tải gì từ {host_of(url)} lần này")
        self.robots[origin] = rules
        return rules

    def _count(self, fetched: Fetched) -> None:
        if fetched.status == 304:
            self.report.not_modified += 1
        elif fetched.status == 200:
            self.report.downloaded += 1

    def _allowed(self, url: str) -> bool:
        return self.client.allowed_host(url) and self._robots(origin_of(url)).allows(url)

    def _enqueue(self, url: str, kind: str) -> None:
        if url in self.queued or not self.client.allowed_host(url):
            return
        self.queued.add(url)
        self.queue.append((url, kind))

    def _take_links(self, links: Links) -> None:
        for url in links.pages:
            self._enqueue(url, "page")
        for url in links.attachments:
            self._enqueue(url, "attachment")

    # --- start points and listings -------------------------------------------------------------

    def _discover(self) -> None:
        todo = [u for u in (normal_url(s) for s in self.config.start) if u]
        seen: set[str] = set()
        while todo and self._budget_left():
            url = todo.pop(0)
            if url in seen or not self.client.allowed_host(url):
                continue
            seen.add(url)
            links = self._listing(url)
            self._take_links(links)
            todo.extend(u for u in links.listings if u not in seen)

    def _listing(self, url: str) -> Links:
        record = self.records.get(url)
        known = record is not None and record.kind == "listing"
        if not self._allowed(url):
            return Links()
        try:
            fetched = self.client.get(
                url, etag=record.etag if known else None, last_modified=record.last_modified if known else None
            )
        except FetchError as exc:
            self.report.error(url, str(exc))
            return Links.from_dict(record.links) if known else Links()
        self._count(fetched)
        if fetched.status == 304 and known:
            record.checked = history.now()
            return Links.from_dict(record.links)
        if fetched.status != 200:
            self.report.error(url, _status_reason(fetched.status))
            return Links()
        kind = kind_of(fetched.body, fetched.content_type)
        if kind == "sitemap":
            links = from_sitemap(fetched.body, fetched.final_url)
        elif kind == "feed":
            links = from_feed(fetched.body, fetched.final_url)
        elif kind == "html":
            links = from_listing(_decoded(fetched), fetched.final_url)
        else:
            self.report.error(url, "không phải sơ đồ trang, nguồn tin RSS/Atom hay trang danh mục")
            links = Links()
        self.records[url] = Record(
            "listing",
            fetched.etag,
            fetched.last_modified,
            _digest(fetched.body),
            checked=history.now(),
            links=links.as_dict(),
        )
        return links

    def _queue_known(self) -> None:
        """Pages and attachments of earlier runs not listed now: asked again, least recently first."""
        known = [
            (record.checked or "", url, record.kind)
            for url, record in self.records.items()
            if record.kind in ("page", "attachment") and record.status not in ("removed", "removing")
        ]
        for _checked, url, kind in sorted(known):
            self._enqueue(url, kind)

    # --- pages and attachments ---------------------------------------------------------------

    def _fetch_all(self) -> None:
        n = 0
        while n < len(self.queue):
            url, kind = self.queue[n]
            n += 1
            self.report.total = len(self.queue)
            if not self._robots(origin_of(url)).allows(url):
                continue  # robots.txt says no: not asked, not an error
            if not self._budget_left():
                break
            self._check(url, kind)
            self.report.checked += 1
            self.progress.save()

    def _check(self, url: str, kind: str) -> None:
        record = self.records.get(url)
        earlier = self.pending.get(url)
        validators = earlier["record"] if earlier else asdict(record) if record and record.kind == kind else {}
        try:
            fetched = self.client.get(url, etag=validators.get("etag"), last_modified=validators.get("last_modified"))
        except FetchError as exc:
            self.report.error(url, str(exc))
            if exc.etag or exc.last_modified:  # refused as it is: asked conditionally next time
                kept = record or Record(kind)
                kept.etag, kept.last_modified, kept.error, kept.checked = (
                    exc.etag,
                    exc.last_modified,
                    str(exc),
                    history.now(),
                )
                self.records[url] = kept
            return
        self._count(fetched)
        if fetched.status == 304:
            self._not_modified(url, record, earlier)
        elif fetched.status in (404, 410):
            self._gone(url, record, earlier, fetched.status)
        elif fetched.status != 200:
            self.report.error(url, _status_reason(fetched.status))
        else:
            self._read(url, kind, record, earlier, fetched)

    def _not_modified(self, url: str, record: Record | None, earlier: dict | None) -> None:
        if earlier:  # what the interrupted run fetched is still what the site has
            self.records[url] = Record.from_dict(earlier["record"])
            self.changes.extend(s for s in earlier["staged"] if self.staging.staged(s))
            return
        if record is None:
            return
        record.checked = history.now()
        if record.error:
            self.report.error(url, f"{record.error} (không đổi từ lần trước)")
        else:
            self.report.unchanged += 1

    def _gone(self, url: str, record: Record | None, earlier: dict | None, status: int) -> None:
        for staged in (earlier or {}).get("staged", []):
            self.staging.forget(staged)
        if record is not None and record.doc_id and record.status == "ok" and record.file:
            record.status, record.gone_since = "gone", history.now()
            self.report.flagged += 1
        elif record is None or not record.doc_id:
            self.report.error(url, _status_reason(status))
        if record is not None:
            record.checked = history.now()

    def _read(self, url: str, kind: str, record: Record | None, earlier: dict | None, fetched: Fetched) -> None:
        digest = _digest(fetched.body)
        documents = self.config.documents
        if (
            not earlier
            and record is not None
            and record.digest == digest
            and record.file
            and record.status in ("ok", "gone", "kept")
            and (documents / record.file).exists()
        ):
            record.etag, record.last_modified, record.checked, record.status = (
                fetched.etag,
                fetched.last_modified,
                history.now(),
                "ok",
            )
            self.report.unchanged += 1
            return
        new = Record(kind, fetched.etag, fetched.last_modified, digest, checked=history.now())
        new.final_url = fetched.final_url
        if kind == "attachment" or is_attachment(fetched.final_url):
            try:
                suffix = sniff(fetched.body)
            except IngestError:
                suffix = ""
            if suffix not in (".pdf", ".docx"):
                new.error = "tệp đính kèm không phải PDF hay Word (.docx)"
                self.records[url] = new
                self.report.error(url, new.error)
                return
            data, new.kind = fetched.body, "attachment"
            new.title = Path(fetched.final_url.split("?", 1)[0]).name
        else:
            page = _decoded(fetched)
            if looks_like_listing(page, fetched.final_url):
                links = from_listing(page, fetched.final_url)
                new.kind, new.links = "listing", links.as_dict()
                self.records[url] = new
                self._take_links(links)
                return
            content = read_page(page, fetched.final_url)
            if not content.title or content.text_length < MIN_ARTICLE_CHARS:
                new.kind = "skipped"
                self.records[url] = new
                return
            for attachment in content.attachments:
                if normal_url(attachment):
                    self._enqueue(normal_url(attachment), "attachment")
            data, suffix, new.kind, new.title = (
                clean_html(content, fetched.final_url).encode(),
                ".html",
                "page",
                (content.title),
            )
        relative = relative_file(url, suffix)
        new.doc_id, new.file = doc_id_for(url), relative
        staged = []
        target = documents / relative
        if target.exists() and target.read_bytes() == data:
            self.staging.forget(relative)
        else:
            self.staging.stage(relative, data)
            staged.append(relative)
        side = sidecar_relative(relative)
        identity = identity_sidecar(documents / side, new.doc_id, fetched.final_url)
        if identity is not None:
            self.staging.stage(side, identity)
            staged.append(side)
        self.records[url] = new
        self.staging.note(url, new, staged)
        self.changes.extend(staged)
        if not staged:
            self.report.unchanged += 1

    # --- commit ---------------------------------------------------------------------------------

    def _commit(self) -> None:
        changes = list(dict.fromkeys(self.changes))
        if not changes:
            save_state(self.config.folder, self.records)
            self.staging.clear()
            return
        plan = {"moves": changes, "state": state_text(self.records)}
        self.staging.write_plan(plan)
        self._apply_plan(plan)

    def _apply_plan(self, plan: dict) -> None:
        documents = self.config.documents
        sources = []
        for relative in plan["moves"]:
            source, target = self.staging.files / relative, documents / relative
            if source.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
            document = target.with_name(target.name.removesuffix(".meta.yaml"))
            if document not in sources and document.exists():
                sources.append(document)
        if not _is_recorded(documents, self.index_dir):
            sources = [documents]  # the first time: the folder itself becomes a source of the index
        self.phase("index")
        if sources:
            built = build_index(sources, self.index_dir, wait=INDEX_WAIT, **self.build_options)
            self.report.added += built.added
            self.report.changed += built.updated
            urls = {str((documents / r.file).resolve()): u for u, r in self.records.items() if r.file}
            for error in built.errors:
                self.report.error(urls.get(error.path, error.path), error.reason)
        self.report.committed = True
        _write_state_text(self.config.folder, plan["state"])
        self.staging.clear()


def _write_state_text(folder: Path, text: str) -> None:
    write_atomically(Path(folder) / STATE, text)


def _is_recorded(documents: Path, index_dir: Path) -> bool:
    documents = documents.resolve()
    return any(documents == r or r in documents.parents for r in recorded_sources(index_dir))


def _status_reason(status: int) -> str:
    if status in (404, 410):
        return f"không tìm thấy trang (mã {status})"
    if status in (401, 403):
        return f"trang không cho truy cập (mã {status})"
    return f"máy chủ trả lời mã {status}"


# --- staff decisions on pages that went away ----------------------------------------------------


def pending_removals(config: HarvestConfig) -> list[dict]:
    """Indexed pages that now answer 404/410, waiting for staff to confirm their removal."""
    records = load_state(config.folder)
    return [
        {"url": url, "title": r.title or url, "doc_id": r.doc_id, "since": r.gone_since}
        for url, r in sorted(records.items(), key=lambda item: item[1].gone_since or "")
        if r.status == "gone"
    ]


def _decide(config: HarvestConfig, url: str, status: str, then: Callable[[dict], None] | None = None) -> str:
    """Staff's decision on a page listed as gone: its record gets ``status``; the page's title.
    HarvestError if the page is not waiting for one."""
    lock = _lock(config, wait=10)
    try:
        records = load_state(config.folder)
        record = records.get(url)
        if record is None or record.status != "gone":
            raise HarvestError("Trang này không nằm trong danh sách chờ xác nhận gỡ.")
        record.status = status
        save_state(config.folder, records)
        if then is not None:
            then(records)
        return record.title or url
    finally:
        lock.release()


def confirm_removal(config: HarvestConfig, index_dir: Path, url: str, build_options: dict | None = None) -> str:
    """Remove the document of a page staff confirmed gone; its title. HarvestError if it is not waiting."""
    return _decide(
        config, url, "removing", lambda records: _finish_removals(config, Path(index_dir), records, build_options or {})
    )


def keep_document(config: HarvestConfig, url: str) -> str:
    """Staff keep the document of a page that went away: it is no longer listed (until it comes back)."""
    return _decide(config, url, "kept")


def _finish_removals(config: HarvestConfig, index_dir: Path, records: dict[str, Record], build_options=None) -> None:
    """Removals staff confirmed: the files go, then their documents (a killed removal is finished here)."""
    removing = [r for r in records.values() if r.status == "removing" and r.file]
    for record in removing:
        path = config.documents / record.file
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".meta.yaml").unlink(missing_ok=True)
        build_index([path], index_dir, wait=INDEX_WAIT, remove_missing=True, **(build_options or {}))
        record.status = "removed"
        save_state(config.folder, records)
