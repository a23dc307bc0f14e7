"""Reading badge files and the shipped JSON-LD contexts (the I/O half of :mod:`stackrules.credentials`)."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..credentials import KeyPair, Limits, Verifier, generate_keypair, keypair_from_secret
from ..credentials.jwt import looks_like_jwt

BADGE_SUFFIXES = (".json", ".jsonld", ".jwt", ".png", ".svg", ".1ob")


class BadgeFileError(OSError):
    """A badge file that cannot be read (missing, unreadable, too large)."""


_NUL = "the path contains a NUL character, which no file name can"


def shipped_contexts() -> dict[str, Any]:
    """The JSON-LD contexts shipped in ``stackrules/credentials/contexts``, by URL (``map.json``)."""
    folder = resources.files("stackrules.credentials").joinpath("contexts")
    mapping = json.loads(folder.joinpath("map.json").read_text(encoding="utf-8"))
    return {url: json.loads(folder.joinpath(name).read_text(encoding="utf-8")) for url, name in sorted(mapping.items())}


def default_verifier(limits: Limits | None = None) -> Verifier:
    """A verifier over the shipped contexts (build once, share: it memoises canonical forms)."""
    return Verifier.with_contexts(shipped_contexts(), limits)


def read_badge(path: str | os.PathLike[str], max_bytes: int = 4 << 20) -> bytes:
    """The bytes of a badge file: a regular file only (opened without blocking), refused past ``max_bytes`` before reading.

    :class:`BadgeFileError` says why not, without the folder (messages are the same wherever the files lie).
    """
    p = Path(path)
    if "\0" in os.fspath(p):
        raise BadgeFileError(_NUL)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise BadgeFileError(str(e.strerror or e).lower()) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BadgeFileError("not a regular file")
        if st.st_size > max_bytes:
            raise BadgeFileError(f"{st.st_size} bytes, over the limit of {max_bytes}")
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as e:
        raise BadgeFileError(str(e.strerror or e).lower()) from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > max_bytes:
        raise BadgeFileError(f"over the limit of {max_bytes} bytes")
    return raw


def names_file(value: object) -> bool:
    """Whether a `verifiable:` value is a path to a file (not a credential given inline as a mapping, JSON text or a VC-JWT)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text.startswith("{"):
        return False
    if "/" in text or text.lower().endswith(BADGE_SUFFIXES):
        return True
    return not looks_like_jwt(text)


def badge_files(folder: str | os.PathLike[str]) -> list[Path]:
    """Badge files under ``folder``, sorted; a symbolic link that leads outside ``folder`` is skipped."""
    root = os.path.realpath(folder)
    return sorted(f for f in Path(folder).rglob("*") if f.suffix.lower() in BADGE_SUFFIXES and _inside(root, os.path.realpath(f)) and f.is_file())


def _inside(root: str, target: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def contained_path(folder: str | os.PathLike[str], written: str) -> Path:
    """The file a `verifiable:` path names, relative to ``folder`` (the learner file's).

    An absolute path, or one that leads outside ``folder`` (by ``..`` or a
    symbolic link), is refused with :class:`BadgeFileError` before the file
    is opened, with one message whether or not the target exists.
    """
    if "\0" in written:
        raise BadgeFileError(_NUL)
    outside = BadgeFileError("the path leads outside the learner file's folder")
    if os.path.isabs(written) or Path(written).drive or Path(written).is_absolute():
        raise outside
    root = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(root, written))
    if not _inside(root, target) or target == root:
        raise outside
    return Path(target)


class SigningKeyError(ValueError):
    """A signing-key file that cannot be read or holds no usable Ed25519 secret key."""


@dataclass(frozen=True)
class SigningKey:
    """An office's signing key as ``stackrules keygen`` writes it: who signs (issuer id, key id, name) and the key pair."""

    issuer: str
    key_id: str
    name: str
    keys: KeyPair

    def to_json(self) -> dict[str, str]:
        return {
            "type": "stackrules Ed25519 signing key",
            "issuer": self.issuer,
            "key_id": self.key_id,
            "name": self.name,
            "publicKeyMultibase": self.keys.public,
            "secretKeyMultibase": self.keys.secret,
        }

    def issuer_document(self, entry: str, provider: str) -> str:
        """The ``issuer`` document another institution writes to trust statements signed with this key (YAML)."""
        return (
            "kind: issuer\n"
            f"id: {json.dumps(entry)}\n"
            f"name: {json.dumps(self.name)}\n"
            f"provider: {provider}\n"
            f"ids: [{json.dumps(self.issuer)}]\n"
            "keys:\n"
            f"  - {{id: {json.dumps(self.key_id)}, multikey: {json.dumps(self.keys.public)}}}\n"
        )


def read_signing_key(path: str | os.PathLike[str]) -> SigningKey:
    """The signing key in a ``stackrules keygen`` file (JSON); :class:`SigningKeyError` says why not."""
    from ..credentials import KeyProblem
    from ..credentials.multibase import MultibaseError, multikey_to_ed25519_secret

    try:
        raw = read_badge(path, 64 << 10)
    except BadgeFileError as e:
        raise SigningKeyError(f"cannot read `{Path(path).name}`: {e}") from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise SigningKeyError("not a JSON key file (make one with `stackrules keygen`)") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data.get(k) for k in ("issuer", "key_id", "secretKeyMultibase")):
        raise SigningKeyError("the key file needs `issuer`, `key_id` and `secretKeyMultibase` (make one with `stackrules keygen`)")
    try:
        keys = keypair_from_secret(multikey_to_ed25519_secret(data["secretKeyMultibase"]))
    except (MultibaseError, KeyProblem, ValueError) as e:
        raise SigningKeyError(f"`secretKeyMultibase` is not an Ed25519 secret key: {e}") from None
    if isinstance(data.get("publicKeyMultibase"), str) and data["publicKeyMultibase"] != keys.public:
        raise SigningKeyError("`publicKeyMultibase` is not the public half of `secretKeyMultibase`")
    from ..credentials import is_absolute_iri

    if not is_absolute_iri(data["issuer"]) or not is_absolute_iri(data["key_id"]):
        raise SigningKeyError("the key file's `issuer` and `key_id` must be absolute IRIs (a URL or DID)")
    name = data.get("name")
    return SigningKey(data["issuer"], data["key_id"], name if isinstance(name, str) else data["issuer"], keys)


def new_signing_key(issuer: str, name: str | None = None) -> SigningKey:
    """A fresh Ed25519 signing key for ``issuer`` (key id ``ISSUER#key-1``)."""
    return SigningKey(issuer, f"{issuer}#key-1", name or issuer, generate_keypair())


def write_signing_key(path: str | os.PathLike[str], key: SigningKey) -> None:
    """Write ``key`` to a new file readable by its owner only; an existing file is never overwritten."""
    write_new_file(path, json.dumps(key.to_json(), indent=2) + "\n", 0o600)


def write_new_file(path: str | os.PathLike[str], text: str, mode: int = 0o644) -> None:
    """Write ``text`` to a new file at ``path``, whole or not at all; :class:`FileExistsError` if it exists.

    The text goes to a temporary file beside ``path`` first, which is then
    hard-linked into place (atomic, and it never replaces a file): a run that
    fails or is stopped mid-write leaves no file, and of two runs writing the
    same path at once one wins and the other is told the file exists. Where
    the file system has no hard links, the file is created exclusively and
    removed again if writing it fails.
    """
    import tempfile

    target = os.fspath(path)
    data = memoryview(text.encode("utf-8"))
    fd, tmp = tempfile.mkstemp(prefix=".stackrules-", suffix=".part", dir=os.path.dirname(os.path.abspath(target)))
    try:
        os.fchmod(fd, mode)
        _write_all(fd, data)
        os.close(fd)
        fd = -1
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise
        except OSError:  # no hard links here: create exclusively, remove if the write fails
            out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
            try:
                _write_all(out, data)
            except BaseException:
                os.close(out)
                os.unlink(target)
                raise
            os.close(out)
    finally:
        if fd >= 0:
            os.close(fd)
        os.unlink(tmp)


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data) :]
    os.fsync(fd)
