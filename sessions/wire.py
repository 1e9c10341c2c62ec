"""Writing the hub's frames straight to the sockets of this process.

A frame sent the ASGI way costs, per socket: the consumer's ``send`` coroutine chain (Channels' session
wrapper, Daphne's ``handle_reply``), a UTF-8 encoding of the same text, autobahn's framing, and Twisted's
buffered write, which registers the socket with epoll for writability and unregisters it after the send
(two ``epoll_ctl`` calls per frame). At 1,000 sockets x 10 events a second that was half of the server's
time. The hub frames an event once per kind of screen (``text_frame``), and ``Direct.write`` hands the
same bytes to each socket's kernel buffer with one ``send``; only what the kernel does not take goes
through Twisted's buffer, which then keeps writing it in order.

The fast path applies only where it is known to be right: a Daphne websocket (autobahn protocol over a
plain TCP transport: TLS terminates at the proxy, see docs/production.md) in the OPEN state, without
per-message compression. Anything else (tests' in-process communicators, another server, a TLS
transport) keeps the ordinary ASGI ``send``."""

import functools
import pprint
import struct

TEXT = 0x81  # FIN + text opcode


def text_frame(text):
    """``text`` as one unmasked RFC 6455 text frame (a server never masks)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", TEXT, size)
    elif size < 65536:
        header = struct.pack("!BBH", TEXT, 126, size)
    else:
        header = struct.pack("!BBQ", TEXT, 127, size)
    return header + payload


class Direct:
    """One Daphne websocket, written to without the ASGI hop."""

    __slots__ = ("protocol",)

    def __init__(self, protocol):
        self.protocol = protocol

    def closed(self):
        """Whether the socket is closing or gone (its consumer's disconnect is on its way): nothing can
        be sent to it any more, directly or through ``send``."""
        protocol = self.protocol
        if protocol.state in (protocol.STATE_CLOSING, protocol.STATE_CLOSED):
            return True
        transport = protocol.transport
        return transport is None or not transport.connected or transport.disconnecting

    def write(self, frame):
        """Send ``frame`` (bytes from ``text_frame``); False if the socket is not open (use ``send``)."""
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN or protocol._perMessageCompress is not None:
            return False
        transport = protocol.transport
        if not transport.connected or transport.disconnecting:
            return False
        if transport.dataBuffer or transport._tempDataBuffer:
            # Earlier bytes still wait in Twisted's buffer: queue behind them to keep the order.
            transport.write(frame)
            return True
        try:
            sent = transport.socket.send(frame)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            # The peer went away: Twisted's own write notices and closes the connection as usual.
            sent = 0
        if sent < len(frame):
            transport.write(frame[sent:])
        return True


def direct_for(send):
    """The fast path for an ASGI ``send`` callable, when it is Daphne's and the fast path applies."""
    if not isinstance(send, functools.partial) or not send.args:
        return None
    protocol = send.args[0]
    transport = getattr(protocol, "transport", None)
    if transport is None or not hasattr(protocol, "_perMessageCompress"):
        return None
    if getattr(transport, "TLS", False) or not hasattr(transport, "socket"):
        return None
    if not all(hasattr(transport, name) for name in ("dataBuffer", "_tempDataBuffer", "disconnecting")):
        return None
    if not hasattr(protocol, "STATE_OPEN"):
        return None
    return Direct(protocol)


class DirectWrites:
    """ASGI middleware (outermost): puts the socket's fast path in the scope as ``linewalk.direct``.

    Only the outermost layer sees the server's own ``send``; the middlewares inside wrap it."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            direct = direct_for(send)
            if direct is not None:
                scope = dict(scope, **{"linewalk.direct": direct})
        return await self.inner(scope, receive, send)


def skip_autobahn_config_dump():
    """autobahn's websocket protocol pretty-prints its ~30 settings for a debug log line on every new
    connection, whether or not anything logs at debug level: 6% of the server's CPU while a room
    connects at once (py-spy, docs/benchmarks.md). That line is dropped; nothing else changes. Applies
    only while autobahn still formats it with the module's own ``pformat`` (pinned in constraints.txt;
    tests/sessions/test_real_server.py runs real Daphne connects)."""
    try:
        from autobahn.websocket import protocol
    except ImportError:
        return False
    if getattr(protocol, "pformat", None) is not pprint.pformat:
        return False
    protocol.pformat = _not_formatted
    return True


def _not_formatted(_value):
    return "(not formatted: sessions/wire.py)"
