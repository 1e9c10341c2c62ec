"""A minimal websocket client for the load benchmark's many sockets (``bench/live/``).

One ``asyncio.Protocol`` per socket: the HTTP/1.1 Upgrade handshake (Origin and Cookie headers, the
Sec-WebSocket-Accept check), then the server's frames parsed straight from ``data_received`` and handed
to a callback, with no task, queue or future per frame. Pings are answered, a close frame is answered
and its code kept. Sends are masked text frames. No extensions, no TLS: it only talks to the Daphne
the benchmark starts on 127.0.0.1. docs/benchmarks.md ("The clients") says why it exists and what it
saves against the ``websockets`` and ``aiohttp`` clients.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
import urllib.parse

ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
NO_STATUS, ABNORMAL = 1005, 1006


class HandshakeError(Exception):
    pass


class ConnectionClosed(Exception):
    pass


class WebSocket(asyncio.Protocol):
    """A client socket. Each complete text or binary message goes to ``on_message(ws, payload, is_text,
    at)`` (``payload`` the raw bytes, ``at`` the ``time.time()`` of the read that completed it), possibly
    before ``connect`` returns; without a callback, messages queue for ``recv()``. ``on_close(ws)`` runs
    once when the connection is gone; ``close_code`` is then the server's close code (1005 if its close
    frame had none, 1006 if the connection ended without a close frame) and ``close_reason`` says what
    happened."""

    def __init__(self, on_message=None, on_close=None, max_size=2**24):
        loop = asyncio.get_running_loop()
        self.on_message, self.on_close, self.max_size = on_message, on_close, max_size
        self.transport = None
        self.close_code = None
        self.close_reason = ""
        self._handshake = loop.create_future()
        self._closed = loop.create_future()
        self._key = b""
        self._open = False
        self._close_sent = False
        self._buf = bytearray()
        self._need = 0  # bytes the frame at the start of _buf needs before it can be parsed
        self._fragments = None  # payloads of a fragmented message in progress
        self._fragments_text = False
        self._queue = None if on_message else asyncio.Queue()
        self._deliver = on_message or self._enqueue

    # asyncio.Protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        at = time.time()
        if self._buf:
            self._buf += data
            if len(self._buf) < self._need:
                return
            data = bytes(self._buf)
            self._buf.clear()
        if not self._open:
            data = self._handshake_response(data)
            if not data:
                return
        self._parse(data, at)

    def eof_received(self):
        return False  # close the transport: the server is gone

    def connection_lost(self, exc):
        self._open = False
        if self.close_code is None:
            self.close_code = ABNORMAL
            self.close_reason = f"connection lost without a close frame ({exc or 'EOF'})"
        if not self._handshake.done():
            self._handshake.set_exception(ConnectionClosed(self.close_reason))
        if not self._closed.done():
            self._closed.set_result(None)
        if self._queue is not None:
            self._queue.put_nowait(None)
        if self.on_close is not None:
            self.on_close(self)

    # Handshake ----------------------------------------------------------------------------------------

    def _start_handshake(self, host, port, path, origin, cookie):
        self._key = base64.b64encode(os.urandom(16))
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self._key.decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin:
            lines.append(f"Origin: {origin}")
        if cookie:
            lines.append(f"Cookie: {cookie}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def _handshake_response(self, data):
        """Check the 101 response once its head is in; return the bytes after it (frames already sent)."""
        end = data.find(b"\r\n\r\n")
        if end < 0:
            if len(data) > 65536:
                self._fail_handshake("response head over 64 KiB")
            else:
                self._buf += data
                self._need = len(data) + 1
            return b""
        status, *lines = data[:end].decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts = status.split(" ", 2)
        expected = base64.b64encode(hashlib.sha1(self._key + ACCEPT_GUID).digest()).decode()  # noqa: S324
        if len(parts) < 2 or parts[1] != "101":
            self._fail_handshake(f"server rejected WebSocket connection: {status[:80]}")
        elif headers.get("upgrade", "").lower() != "websocket" or "upgrade" not in {
            t.strip() for t in headers.get("connection", "").lower().split(",")
        }:
            self._fail_handshake("101 response without Upgrade: websocket / Connection: Upgrade")
        elif headers.get("sec-websocket-accept") != expected:
            self._fail_handshake("wrong Sec-WebSocket-Accept")
        elif headers.get("sec-websocket-extensions"):
            self._fail_handshake("server chose an extension we did not offer")
        else:
            self._open = True
            self._need = 0
            self._handshake.set_result(None)
            return data[end + 4 :]
        return b""

    def _fail_handshake(self, reason):
        if not self._handshake.done():
            self._handshake.set_exception(HandshakeError(reason))
        self.transport.abort()

    # Frames -------------------------------------------------------------------------------------------

    def _parse(self, data, at):
        pos, end = 0, len(data)
        self._need = 2
        while self._open and end - pos >= 2:
            b0, b1 = data[pos], data[pos + 1]
            length, start = b1 & 0x7F, pos + 2
            if length == 126:
                if end - pos < 4:
                    self._need = 4
                    break
                length, start = int.from_bytes(data[pos + 2 : pos + 4], "big"), pos + 4
            elif length == 127:
                if end - pos < 10:
                    self._need = 10
                    break
                length, start = int.from_bytes(data[pos + 2 : pos + 10], "big"), pos + 10
            if b1 & 0x80 or b0 & 0x70:
                return self.fail(1002, "masked frame or reserved bits from the server")
            if length > self.max_size:
                return self.fail(1009, f"frame of {length} bytes")
            stop = start + length
            if stop > end:
                self._need = stop - pos
                break
            self._need = 2
            payload = data if start == 0 and stop == end else data[start:stop]
            pos = stop
            opcode, fin = b0 & 0x0F, b0 & 0x80
            if opcode == TEXT or opcode == BINARY:
                if self._fragments is not None:
                    return self.fail(1002, "new message inside a fragmented one")
                if fin:
                    self._deliver(self, payload, opcode == TEXT, at)  # the common case: a whole message
                else:
                    self._fragments, self._fragments_text = [payload], opcode == TEXT
            elif opcode == CONTINUATION:
                if self._fragments is None:
                    return self.fail(1002, "continuation frame without a message")
                self._fragments.append(payload)
                if sum(map(len, self._fragments)) > self.max_size:
                    return self.fail(1009, "fragmented message too big")
                if fin:
                    message, self._fragments = b"".join(self._fragments), None
                    self._deliver(self, message, self._fragments_text, at)
            elif opcode == PING:
                self._write(PONG, payload)
            elif opcode == CLOSE:
                return self._close_received(payload)
            elif opcode != PONG:
                return self.fail(1002, f"unknown opcode {opcode}")
        if pos < end and self._open:
            self._buf += data[pos:] if pos else data

    @staticmethod
    def _enqueue(ws, payload, is_text, at):
        ws._queue.put_nowait((payload, is_text))

    def _close_received(self, payload):
        code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else NO_STATUS
        self.close_code = code
        self.close_reason = f"closed by server: {code}"
        if not self._close_sent:
            self._write(CLOSE, payload[:2])
            self._close_sent = True
        self._open = False
        self.transport.close()

    def fail(self, code, reason):
        """Close because the server broke the protocol (or sent too much), as a client must."""
        self.close_code = code
        self.close_reason = f"client failed the connection: {code} {reason}"
        if self._open and not self._close_sent:
            self._write(CLOSE, code.to_bytes(2, "big"))
            self._close_sent = True
        self._open = False
        self.transport.close()

    def _write(self, opcode, payload):
        n = len(payload)
        if n < 126:
            head = bytes((0x80 | opcode, 0x80 | n))
        elif n < 65536:
            head = bytes((0x80 | opcode, 0xFE)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0xFF)) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        if n:
            key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
            payload = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")
        self.transport.write(head + mask + payload)

    # API ----------------------------------------------------------------------------------------------

    @property
    def open(self):
        return self._open

    def send(self, text):
        """Send one text message (masked); raises ConnectionClosed once the socket is closing."""
        if not self._open or self._close_sent or self.transport.is_closing():
            raise ConnectionClosed(self.close_reason or "closing")
        self._write(TEXT, text.encode("utf-8"))

    async def recv(self):
        """The next message (str for text, bytes for binary), without an ``on_message`` callback."""
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)
            raise ConnectionClosed(self.close_reason)
        payload, is_text = item
        return payload.decode("utf-8") if is_text else payload

    def __aiter__(self):
        return self._messages()

    async def _messages(self):
        while True:
            try:
                yield await self.recv()
            except ConnectionClosed:
                return

    async def close(self, code=1000):
        """Send a close frame and wait for the server's (callers bound the wait), then drop the connection."""
        if self.transport is None:
            return
        if self._open and not self._close_sent:
            self._write(CLOSE, code.to_bytes(2, "big"))
            self._close_sent = True
        try:
            await asyncio.shield(self._closed)
        finally:
            self.transport.close()


async def connect(url, *, origin=None, cookie=None, timeout=60.0, on_message=None, on_close=None):
    """Open ``ws://host:port/path`` and complete the handshake within ``timeout`` s."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "ws" or not parts.hostname:
        raise ValueError(f"not a ws:// URL: {url}")
    port = parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    loop = asyncio.get_running_loop()
    transport = None
    try:
        async with asyncio.timeout(timeout):
            transport, ws = await loop.create_connection(
                lambda: WebSocket(on_message, on_close), parts.hostname, port
            )
            ws._start_handshake(parts.hostname, port, path, origin, cookie)
            await ws._handshake
    except BaseException:
        if transport is not None:
            transport.abort()
        raise
    return ws
