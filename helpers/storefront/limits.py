"""A bound on a request's head (request line and header fields) for the storefront: 431 past it.

uvicorn's fast parser (httptools, llhttp) takes a head of any size and keeps it all in memory.
``BoundedHeadProtocol`` looks at the bytes of each read while a request's head is still awaited
(from the connection's start, or the end of the previous request, to the blank line) and answers
``431 Request Header Fields Too Large`` (RFC 6585) to a head longer than ``MAX_HEAD_BYTES``,
before the parser or the application sees it. A connection thus holds at most that many bytes of
a head (and one read). Use it with
``uvicorn.run(..., http="helpers.storefront.limits:BoundedHeadProtocol")``.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024
"""The longest request head (request line, header fields, blank line) the storefront reads: 16 KiB,
h11's default, ample for the shop's cookie and a browser's headers."""

_END_OF_HEAD = b"\r\n\r\n"


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 431 to a request head longer than ``MAX_HEAD_BYTES``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head: bytes | None = b""  # the awaited head's bytes so far; None once it is whole

    def data_received(self, data: bytes) -> None:
        if self._head is not None:
            pending = self._head + data
            end = pending.find(_END_OF_HEAD)
            if (len(pending) if end < 0 else end + len(_END_OF_HEAD)) > MAX_HEAD_BYTES:
                self._refuse_head()
                return
            self._head = pending if end < 0 else None
        super().data_received(data)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head = b""  # the next request's head is awaited

    def _refuse_head(self) -> None:
        body = f"Request header fields too large: the head may have at most {MAX_HEAD_BYTES:,} bytes.\n"
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\n"
            + f"content-length: {len(body)}\r\n".encode()
            + b"connection: close\r\n\r\n"
            + body.encode()
        )
        self.transport.close()
