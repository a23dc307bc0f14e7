"""An on-disk cache of checked rule bases, keyed by the bytes that were parsed.

Loading a 20,000-credential rule base spends most of its time reading YAML
and checking it; when none of its files changed, the checked rule base can be
read back instead. The key covers the engine version, the Python version, the
package's own source and each file's name and bytes (the very bytes the
loader parsed: they are read once), so any edit, move or upgrade misses the
cache and loads afresh.

The cache is a place an attacker would like to write to, so nothing in it is
trusted:

- the folder is created owner-only (0700) and each entry owner-only (0600),
  whatever the umask; a folder, key or entry owned by someone else, or
  writable by group or others (the key: readable by them), is never read,
  and the cache says why, once;
- every entry carries an HMAC-SHA256 under a random per-user key kept in the
  folder (``key``, 0600); the MAC covers the entry's own cache key, so an
  entry cannot be moved to another key, and it is checked in constant time
  over the whole entry *before* anything is unpickled;
- unpickling then admits only stackrules' own classes and a few plain value
  types, as a second line;
- an entry is written whole (a temporary file renamed into place) or not at
  all; temporary files left by a killed writer are removed.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import hmac
import io
import os
import pickle
import secrets
import stat
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .._version import __version__

FORMAT = 2  # raised whenever what is pickled, or how an entry is framed, changes shape


KEEP = 8  # entries kept per folder, the most recently written


MAGIC = b"stackrules-cache 2\n"


SUFFIX = ".entry"


KEY_FILE = "key"


KEY_BYTES = 32


MAX_ENTRY = 1 << 30  # an entry larger than this is not ours


STALE_TMP_SECONDS = 600  # a temporary file this old, or whose writer is gone, was left by a killed write


class CacheWarning(UserWarning):
    """The cache folder or an entry is unsafe to read; the cache is bypassed."""


def key(sources: Iterable[tuple[str, bytes]]) -> str:
    """The cache key of a rule base read as ``sources``: (name, bytes) of each file, in order.

    The bytes are those the loader parses (read once), so an edit landing
    during a load can never be cached under the key of the text before it.
    Names are as diagnostics show them (never where the folder happens to
    be), and the key covers the package's own source too, so an edited
    checkout (an editable install keeps its version number) never reads an
    engine pickled by other code.
    """
    h = hashlib.sha256(f"stackrules {__version__} format {FORMAT} python {sys.version_info[:3]}\n".encode())
    for source in sorted(Path(__file__).resolve().parent.parent.rglob("*.py")):
        h.update(hashlib.sha256(source.read_bytes()).digest())
    for name, data in sources:
        h.update(name.encode("utf-8", "surrogateescape") + b"\0")
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def _fraction(numerator: int, denominator: int) -> Fraction:
    return Fraction(numerator, denominator)


def _reduce_fraction(f: Fraction) -> tuple[Any, tuple[int, int]]:
    # the default pickles a Fraction as text, parsed again on loading: ten times slower
    return _fraction, (f.numerator, f.denominator)


_ALLOWED_GLOBALS = {
    ("datetime", "date"),
    ("decimal", "Decimal"),
    ("fractions", "Fraction"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "object"),
    ("copyreg", "_reconstructor"),
    (__name__, "_fraction"),
}


class _Unpickler(pickle.Unpickler):
    """Only stackrules' own classes and plain value types: never a function that does something."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if "." not in name and (module == "stackrules" or module.startswith("stackrules.")):
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache entry")


def _valid_name(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _mac(secret: bytes, framed: bytes) -> bytes:
    return hmac.new(secret, framed, hashlib.sha256).digest()


def _supported() -> bool:
    return hasattr(os, "geteuid") and hasattr(os, "O_DIRECTORY") and hasattr(os, "O_NOFOLLOW") and os.open in os.supports_dir_fd


@dataclass
class Cache:
    """A cache folder; ``warn`` hears, once per reason, why it was not used (default: a :class:`CacheWarning`)."""

    folder: Path
    warn: Callable[[str], None] | None = None
    _warned: set[str] = field(default_factory=set, repr=False)

    def _say(self, reason: str) -> None:
        if reason in self._warned:
            return
        self._warned.add(reason)
        message = f"the rule-base cache is not used: {reason}"
        if self.warn is not None:
            self.warn(message)
        else:
            warnings.warn(message, CacheWarning, stacklevel=3)

    # -- the folder and its key

    def _open_folder(self, create: bool) -> int | None:
        """A descriptor of the folder when it is safe to use (owned by us, written only by us), else None."""
        if not _supported():
            return None
        folder = self.folder
        if create and not folder.exists():
            try:
                folder.parent.mkdir(parents=True, exist_ok=True)
                folder.mkdir(mode=0o700)
                os.chmod(folder, 0o700)  # the umask may have taken bits away, never added: set it exactly
            except FileExistsError:
                pass
            except OSError:
                return None
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return None
        st = os.fstat(fd)
        why = _unsafe(st, 0o022) if stat.S_ISDIR(st.st_mode) else "is not a folder"
        if why is not None:
            os.close(fd)
            self._say(f"the folder `{folder}` {why}")
            return None
        return fd

    def _key(self, fd: int, create: bool) -> bytes | None:
        """The per-user MAC key, made on the first write; None when there is none or it is unsafe."""
        try:
            kfd = os.open(KEY_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
        except FileNotFoundError:
            return self._new_key(fd) if create else None
        except OSError as exc:
            self._say(f"its key `{self.folder / KEY_FILE}` cannot be read ({exc.strerror})")
            return None
        try:
            st = os.fstat(kfd)
            why = _unsafe(st, 0o077) if stat.S_ISREG(st.st_mode) else "is not a regular file"  # a key others can read lets them forge entries
            if why is not None:
                self._say(f"its key `{self.folder / KEY_FILE}` {why}")
                return None
            secret = os.read(kfd, KEY_BYTES + 1)
        finally:
            os.close(kfd)
        if len(secret) != KEY_BYTES:
            return self._new_key(fd, replace=True) if create else None
        return secret

    def _new_key(self, fd: int, replace: bool = False) -> bytes | None:
        secret = secrets.token_bytes(KEY_BYTES)
        tmp = _write_tmp(fd, secret)
        if tmp is None:
            return None
        try:
            if replace:
                os.replace(tmp, KEY_FILE, src_dir_fd=fd, dst_dir_fd=fd)
                return secret
            try:
                os.link(tmp, KEY_FILE, src_dir_fd=fd, dst_dir_fd=fd)  # never over a key another process just made
            except FileExistsError:
                return self._key(fd, create=False)
            return secret
        except OSError:
            return None
        finally:
            _unlink(fd, tmp)

    # -- entries

    def read(self, name: str) -> Any | None:
        """The object cached under ``name``, or None when there is none or it cannot be trusted."""
        if not _valid_name(name):
            return None
        fd = self._open_folder(create=False)
        if fd is None:
            return None
        try:
            secret = self._key(fd, create=False)
            if secret is None:
                return None
            data = self._entry_bytes(fd, name)
        finally:
            os.close(fd)
        if data is None:
            return None
        return _unframe(secret, name, data)

    def _entry_bytes(self, fd: int, name: str) -> bytes | None:
        try:
            efd = os.open(name + SUFFIX, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
        except OSError:
            return None  # missing (a miss) or a symbolic link (never followed)
        try:
            st = os.fstat(efd)
            why = _unsafe(st, 0o022) if stat.S_ISREG(st.st_mode) else "is not a regular file"
            if why is not None:
                self._say(f"the entry `{self.folder / (name + SUFFIX)}` {why}")
                return None
            if st.st_size > MAX_ENTRY:
                return None
            chunks: list[bytes] = []
            left = st.st_size + 1
            while left > 0:
                chunk = os.read(efd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)
        except OSError:
            return None
        finally:
            os.close(efd)

    def write(self, name: str, value: Any) -> bool:
        """Cache ``value`` under ``name``, atomically. False (and nothing written) when the folder is unusable."""
        if not _valid_name(name):
            return False
        buf = io.BytesIO()
        pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = {**copyreg.dispatch_table, Fraction: _reduce_fraction}
        pickler.dump((name, value))
        fd = self._open_folder(create=True)
        if fd is None:
            return False
        try:
            secret = self._key(fd, create=True)
            if secret is None:
                return False
            tmp = _write_tmp(fd, _frame(secret, name, buf.getvalue()))
            if tmp is None:
                return False
            try:
                os.replace(tmp, name + SUFFIX, src_dir_fd=fd, dst_dir_fd=fd)
            except OSError:
                _unlink(fd, tmp)
                return False
            _prune(fd)
            return True
        finally:
            os.close(fd)


def _unsafe(st: os.stat_result, forbidden: int) -> str | None:
    """Why a file or folder with this status must not be trusted, or None."""
    if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
        return "is neither a folder nor a regular file"
    if st.st_uid != os.geteuid():
        return f"is owned by another user (uid {st.st_uid})"
    if st.st_mode & forbidden:
        who = "group or others" if forbidden & 0o070 else "others"
        verb = "can be written" if forbidden == 0o022 else "can be read or written"
        return f"{verb} by {who} (mode {stat.S_IMODE(st.st_mode):04o}): make it owner-only (chmod {'700' if stat.S_ISDIR(st.st_mode) else '600'})"
    return None


def _frame(secret: bytes, name: str, payload: bytes) -> bytes:
    framed = name.encode("ascii") + b"\n" + payload
    return MAGIC + _mac(secret, MAGIC + framed) + framed


def _unframe(secret: bytes, name: str, data: bytes) -> Any | None:
    """The value in an entry whose MAC (over everything) is good and whose own key is ``name``; else None."""
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 32:
        return None
    mac = data[len(MAGIC) : len(MAGIC) + 32]
    framed = data[len(MAGIC) + 32 :]
    if not hmac.compare_digest(mac, _mac(secret, MAGIC + framed)):
        return None  # written under another key, altered, or truncated
    stored, sep, payload = framed.partition(b"\n")
    if not sep or not hmac.compare_digest(stored, name.encode("ascii")):
        return None  # a genuine entry, of another rule base: never under this key
    try:
        found = _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # an entry from other code that passed the MAC: still only a miss
        return None
    if not isinstance(found, tuple) or len(found) != 2 or found[0] != name:
        return None
    return found[1]


def _write_tmp(fd: int, data: bytes) -> str | None:
    """``data`` in a new owner-only temporary file in the folder; its name, or None."""
    tmp = f".tmp-{os.getpid()}-{secrets.token_hex(8)}"
    try:
        tfd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=fd)
    except OSError:
        return None
    try:
        os.fchmod(tfd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(tfd, view) :]
    except OSError:
        os.close(tfd)
        _unlink(fd, tmp)
        return None
    os.close(tfd)
    return tmp


def _unlink(fd: int, name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=fd)


def _our_tmp(n: str) -> bool:
    """A temporary file of this format's writer: exactly ``.tmp-<pid>-<16 hex>`` (:meth:`Cache.write`).

    Any other name, ``.tmp-notes`` among them, is the user's: STACKRULES_CACHE may name a folder
    that holds their own files.
    """
    parts = n.split("-")
    return (
        len(parts) == 3
        and parts[0] == ".tmp"
        and parts[1].isascii()
        and parts[1].isdigit()
        and len(parts[2]) == 16
        and all(c in "0123456789abcdef" for c in parts[2])
    )


def _writer_gone(tmp: str) -> bool:
    try:
        pid = int(tmp.split("-")[1])
    except (IndexError, ValueError):
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _prune(fd: int) -> None:
    """Keep the KEEP most recently written entries; drop what killed writes and older formats left."""
    try:
        names = os.listdir(fd)
    except OSError:
        return
    now = time.time()
    entries: list[tuple[int, str]] = []
    for n in names:
        try:
            st = os.stat(n, dir_fd=fd, follow_symlinks=False)
        except OSError:
            continue  # it vanished meanwhile: no matter
        if _our_tmp(n):
            if now - st.st_mtime > STALE_TMP_SECONDS or _writer_gone(n):
                _unlink(fd, n)
        elif n.endswith(SUFFIX) and _valid_name(n[: -len(SUFFIX)]):
            entries.append((st.st_mtime_ns, n))
        elif _format_1(n):
            _unlink(fd, n)  # entries and temporary files of the unauthenticated format 1: never read again
    for _, old in sorted(entries, reverse=True)[KEEP:]:
        _unlink(fd, old)


def _format_1(n: str) -> bool:
    """A file the unauthenticated format 1 wrote: ``<64 hex>.pickle`` or ``.<16 hex>-<random>.tmp``.

    Only these are removed: STACKRULES_CACHE may name a folder that holds the user's own
    files, and a name that merely ends in ``.pickle`` or ``.tmp`` is not ours to delete.
    """
    if n.endswith(".pickle"):
        return _valid_name(n[: -len(".pickle")])
    if n.startswith(".") and n.endswith(".tmp") and len(n) > 18 and n[17] == "-":
        return all(c in "0123456789abcdef" for c in n[1:17])
    return False


def read(folder: str | os.PathLike[str], name: str) -> Any | None:
    """The object cached under ``name`` in ``folder``, or None (see :class:`Cache`)."""
    return Cache(Path(folder)).read(name)


def write(folder: str | os.PathLike[str], name: str, value: Any) -> bool:
    """Cache ``value`` under ``name`` in ``folder`` (see :class:`Cache`)."""
    return Cache(Path(folder)).write(name, value)
