"""A bound on a request's head (request line and header fields) for the storefront: 431 past it.

uvicorn's default parser (httptools) takes a head of any size and keeps it all in memory. h11,
the other parser uvicorn ships, shows the bytes it has read but not yet parsed
(``Connection.trailing_data``): ``BoundedHeadProtocol`` looks at them, with each new read, while
a request's head is still awaited, and answers ``431 Request Header Fields Too Large`` (RFC
6585) to a head longer than ``MAX_HEAD_BYTES``, before the application sees the request. A
connection thus holds at most that many bytes of a head (and one read). Use it with
``uvicorn.run(..., http="helpers.storefront.limits:BoundedHeadProtocol")``.
"""

from __future__ import annotations

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEAD_BYTES = 16 * 1024
"""The longest request head (request line, header fields, blank line) the storefront reads: 16 KiB,
h11's own default, ample for the shop's cookie and a browser's headers."""

_END_OF_HEAD = b"\r\n\r\n"


class BoundedHeadProtocol(H11Protocol):
    """uvicorn's h11 protocol, answering 431 to a request head longer than ``MAX_HEAD_BYTES``."""

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:  # a request's head is awaited
            pending = self.conn.trailing_data[0] + data
            end = pending.find(_END_OF_HEAD)
            if (len(pending) if end < 0 else end + len(_END_OF_HEAD)) > MAX_HEAD_BYTES:
                self._refuse_head()
                return
        super().data_received(data)

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
