"""Reading uploaded or pasted text safely: size limit, no binary, strict UTF-8, clear messages."""

from __future__ import annotations

from typing import IO

from core.errors import DomainError

MAX_TEXT_BYTES = 2 * 1024 * 1024


def decode_text(data: bytes, *, name: str = "the upload", max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Return the text of ``data``, or raise DomainError saying why it is not acceptable text."""
    if len(data) > max_bytes:
        raise DomainError(
            f"{name} is {len(data) / 1_048_576:.1f} MB; text uploads are limited to "
            f"{max_bytes / 1_048_576:.0f} MB. Nothing was saved."
        )
    if b"\x00" in data[:8192]:
        raise DomainError(f"{name} looks like a binary file, not text. Nothing was saved.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(
            f"{name} is not valid UTF-8 text (byte 0x{data[error.start]:02x} at position "
            f"{error.start}). Save it as UTF-8 and try again. Nothing was saved."
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text_upload(stream: IO[bytes], *, name: str, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Read at most ``max_bytes`` + 1 bytes from an upload and decode it with ``decode_text``."""
    return decode_text(stream.read(max_bytes + 1), name=name, max_bytes=max_bytes)
