"""Saved state: a torch-serialised dict behind a SHA-256 checksum, written atomically (temporary
file, flush, fsync, rename), so that a half-written or damaged file is noticed, never loaded."""

import hashlib
import io
from pathlib import Path

import torch

from engine.errors import DreamsError
from engine.files import NotRegular, read_regular, write_atomically

MAGIC = b"dreams-state-1\n"
ANY_MACHINE_BYTES = 64 * 2**30  # where the machine's memory cannot be asked


def most_state_bytes() -> int:
    """The largest state file read: the machine's memory. A save holds a mind (and a cut's
    checkpoint a frame memory) that lived in this memory, at most half of it for the frames
    (engine/mind/memory.py), and loading one holds the file and the mind together: a bigger file
    was never a save that loads here. The largest mind the settings allow (width 1024 at 512
    pixels) is over 100 GB, no bound below that would fit every mind; this one fits every
    mind the machine can hold, and keeps /dev/zero or a stray huge file from being read until
    the machine runs out."""
    try:
        import psutil  # accelerate's own dependency, so always there

        return psutil.virtual_memory().total
    except (ImportError, OSError):
        return ANY_MACHINE_BYTES


class SealedFileError(DreamsError):
    pass


def save_sealed(path: Path, state: dict) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    payload = buffer.getvalue()
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")
    write_atomically(Path(path), MAGIC + digest + b"\n" + payload)


def load_sealed(path: Path, device: torch.device | str = "cpu") -> dict:
    """The dict saved at `path`; SealedFileError when it is missing, truncated, damaged, not a
    regular file or larger than a save can be."""
    try:
        data = read_regular(Path(path), most_state_bytes())
    except NotRegular as error:
        raise SealedFileError(f"state {error}") from None
    except OSError as error:
        raise SealedFileError(f"state {path} cannot be read: {error}") from None
    header = len(MAGIC) + 65
    if not data.startswith(MAGIC) or len(data) < header:
        raise SealedFileError(f"state {path} is not a Dreams state file")
    digest, payload = data[len(MAGIC) : header - 1], data[header:]
    if hashlib.sha256(payload).hexdigest().encode("ascii") != digest:
        raise SealedFileError(f"state {path} is damaged (its checksum does not match)")
    return torch.load(io.BytesIO(payload), map_location=device, weights_only=False)
