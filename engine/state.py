"""Saved state: a torch-serialised dict behind a SHA-256 checksum, written atomically (temporary
file, flush, fsync, rename), so that a half-written or damaged file is noticed, never loaded."""

import hashlib
import io
from pathlib import Path

import torch

from engine.errors import DreamsError
from engine.files import write_atomically

MAGIC = b"dreams-state-1\n"


class StateError(DreamsError):
    pass


def save_state(path: Path, state: dict) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getvalue()
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")
    write_atomically(Path(path), MAGIC + digest + b"\n" + payload)


def load_state(path: Path, device: torch.device | str = "cpu") -> dict:
    """The dict saved at `path`; StateError when it is missing, truncated or damaged."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise StateError(f"state {path} cannot be read: {error}") from None
    header = len(MAGIC) + 65
    if not data.startswith(MAGIC) or len(data) < header:
        raise StateError(f"state {path} is not a Dreams state file")
    digest, payload = data[len(MAGIC) : header - 1], data[header:]
    if hashlib.sha256(payload).hexdigest().encode("ascii") != digest:
        raise StateError(f"state {path} is damaged (its checksum does not match)")
    return torch.load(io.BytesIO(payload), map_location=device, weights_only=False)
