"""Limits on what one source may cost to read, each refused with a message staff can act on.

Every text path after these limits is linear in its input (a test feeds it 100,000-character
words and lines), so a document within them is read in bounded time and memory. Libraries that
can blow up on a hostile file (a zip bomb in a .docx, a PDF that makes pypdf loop) run in a
child process with a time and memory limit of its own: whatever they do, the caller gets an
answer or a refusal, and its own memory stays as it was.
"""

from __future__ import annotations

import multiprocessing
import resource
import zipfile
from collections.abc import Callable
from pathlib import Path

MAX_FILE_BYTES = 10 * 1024 * 1024  # an uploaded or ingested file
MAX_SOURCE_BYTES = 32 * 1024 * 1024  # a file read from a folder (JSON Lines files excepted: read by line)
MAX_TEXT_CHARS = 2_000_000  # a document's text: the Labour Code is about 400,000
MAX_TITLE_CHARS = 500
MAX_FIELD_CHARS = 300  # unit, number, type, url, author, ...
MAX_LINE_CHARS = 4 * 1024 * 1024  # one JSON Lines record
DOCX_MAX_UNPACKED = 64 * 1024 * 1024  # all entries of a .docx, uncompressed
DOCX_MAX_ENTRIES = 2000
PDF_MAX_PAGES = 2000
EXTRACT_SECONDS = 60
EXTRACT_MEMORY_MB = 768  # beyond what the process already holds


class TooCostly(ValueError):
    """A source over a limit, with the reason in Vietnamese."""


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def count(n: int) -> str:
    """A number as Vietnamese writes it: 2.000.000."""
    return f"{n:,}".replace(",", ".")


def check_text(text: str, what: str = "nội dung") -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise TooCostly(f"{what} quá dài: {count(len(text))} ký tự, tối đa {count(MAX_TEXT_CHARS)}")


def check_docx(path: Path) -> None:
    """Refuse a .docx whose zip would unpack to more than we read (a zip bomb), before opening it."""
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        if len(entries) > DOCX_MAX_ENTRIES:
            raise TooCostly(f"tệp Word có {len(entries)} thành phần, tối đa {DOCX_MAX_ENTRIES}")
        unpacked = sum(e.file_size for e in entries)
        if unpacked > DOCX_MAX_UNPACKED:
            raise TooCostly(f"tệp Word giải nén ra {mb(unpacked)}, tối đa {mb(DOCX_MAX_UNPACKED)}")


def _vm_size() -> int:
    """This process's virtual memory in bytes (what RLIMIT_AS counts)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(conn, fn: Callable, args: tuple, memory_mb: int) -> None:
    if memory_mb:
        limit = _vm_size() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send((True, fn(*args)))
    except MemoryError:
        conn.send((False, f"cần quá {memory_mb} MB bộ nhớ"))
    except TooCostly as exc:
        conn.send((False, str(exc)))
    except Exception as exc:  # reported to the caller, which refuses the file with it
        conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_limited(fn: Callable, *args, seconds: float = EXTRACT_SECONDS, memory_mb: int = EXTRACT_MEMORY_MB):
    """``fn(*args)`` in a child process that may use ``seconds`` and ``memory_mb`` more memory.

    Raises TooCostly when it runs out of either, or fails. In a daemon process (which may not
    have children: an index worker) it runs in this process.
    """
    if multiprocessing.current_process().daemon:
        return fn(*args)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, fn, args, memory_mb), daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise TooCostly(f"xử lý quá {seconds:.0f} giây")
        try:
            ok, value = receive.recv()
        except EOFError:
            raise TooCostly(f"trình đọc tệp dừng đột ngột (có thể do vượt {memory_mb} MB bộ nhớ)") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receive.close()
    if not ok:
        raise TooCostly(value)
    return value
