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

import asyncio
import functools
import inspect
import logging
import pprint
import struct
import time

log = logging.getLogger(__name__)

TEXT = 0x81  # FIN + text opcode


def text_frame(text):
    """``text`` as one unmasked RFC 6455 text frame (a server never masks)."""
    return text_frame_of([text.encode()])


def text_frame_of(parts):
    """``text_frame`` of the text whose UTF-8 encoding is ``parts`` (bytes) joined."""
    size = sum(map(len, parts))
    if size < 126:
        header = struct.pack("!BB", TEXT, size)
    elif size < 65536:
        header = struct.pack("!BBH", TEXT, 126, size)
    else:
        header = struct.pack("!BBQ", TEXT, 127, size)
    return b"".join([header, *parts])


# Texts shared by many sockets' frames (a snapshot's parts), each encoded once: id -> (text, bytes). The
# entry holds the text, so its id stays its own while kept. Emptied whole when over ENCODED_BUDGET bytes.
_encoded = {}
_encoded_size = 0
ENCODED_BUDGET = 16 * 1024 * 1024
ENCODE_ONCE_FROM = 1024  # characters: shorter texts are encoded each time


def encoded(text):
    """``text`` as UTF-8, kept for the next frame that carries the same string object."""
    global _encoded_size
    if len(text) < ENCODE_ONCE_FROM:
        return text.encode()
    kept = _encoded.get(id(text))
    if kept is not None and kept[0] is text:
        return kept[1]
    data = text.encode()
    if _encoded_size + len(data) > ENCODED_BUDGET:
        _encoded.clear()
        _encoded_size = 0
    _encoded[id(text)] = (text, data)
    _encoded_size += len(data)
    return data


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
                receive = paced(receive, direct.protocol)
        return await self.inner(scope, receive, send)


# Daphne reads whatever a socket sends and queues every message for the application, without a bound;
# the application takes one message a turn of the event loop, while Twisted reads 64 KiB a turn (9,000
# one-byte frames). One client sending without pause (800,000 frames in 20 s) had 829,000 messages
# queued before its consumer had handled its first 1,300: the process's memory grew by 160 MB for good,
# and every other socket of the process waited seconds for its frames. So a socket is not read while
# more than QUEUED_HIGH of its messages wait, until fewer than QUEUED_LOW do: its frames wait in its own
# TCP buffers. The page sends a few messages a second.
QUEUED_HIGH = 256
QUEUED_LOW = 16


def paced(receive, protocol):
    """Daphne's ``receive`` for one websocket (``asyncio.Queue.get``), pausing the reading of the socket
    while too much of what it sent waits to be handled."""
    queue = getattr(receive, "__self__", None)
    transport = getattr(protocol, "transport", None)
    if not isinstance(queue, asyncio.Queue) or not hasattr(transport, "pauseProducing"):
        return receive
    paused = False

    async def take():
        nonlocal paused
        message = await receive()
        waiting = queue.qsize()
        if not paused and waiting > QUEUED_HIGH:
            paused = True
            transport.pauseProducing()
        elif paused and waiting < QUEUED_LOW:
            paused = False
            transport.resumeProducing()  # nothing if it closed meanwhile
        return message

    return take


def trim_daphne():
    """Work Daphne's layers do on every connection or request for nothing, skipped. Each applies only
    where the code still looks as it did when measured (versions pinned in constraints.txt; the
    real-Daphne tests run through all three); what each was worth: docs/benchmarks.md, "The door".

    - autobahn pretty-prints its ~30 settings for a debug log line on every new websocket, whether or
      not anything logs at debug level (6% of the server's CPU while a room connects at once).
    - Twisted parses every form POST (urlencoded or multipart, through the email package, in the event
      loop) into ``request.args``, which Daphne never reads: Daphne hands the raw body to the
      application. A multipart upload (an import) was parsed whole before Django even saw it.
    - Twisted formats a combined-log access line for every request into its own log, which Daphne at
      its default verbosity sends nowhere (Daphne's own access log is separate).
    - Daphne walks every connection once a second to reap finished applications and once every two
      seconds for timeouts and server pings: with 10,000 sockets held, most of an idle room's CPU.
      Paced to at most SWEEP_PER_SECOND connections walked a second each, so a big room is swept every
      few seconds (at most SWEEP_AT_MOST): a closed socket's state is freed, and a ping (every 60 s) or a
      connect timeout (30 s) comes, up to that much later; a small server sweeps as before."""
    return [name for name, trim in TRIMS if trim()]


def _autobahn_config_dump():
    try:
        from autobahn.websocket import protocol
    except ImportError:
        return False
    if getattr(protocol, "pformat", None) is _not_formatted:
        return True
    if getattr(protocol, "pformat", None) is not pprint.pformat:
        return False
    protocol.pformat = _not_formatted
    return True


def _not_formatted(_value):
    return "(not formatted: sessions/wire.py)"


def _twisted_form_parsing():
    try:
        from daphne.http_protocol import HTTPFactory, WebRequest
        from twisted.web import http
    except ImportError:
        return False
    if "parsePOSTFormSubmission" not in inspect.signature(http.Request.__init__).parameters:
        return False
    original = HTTPFactory.buildProtocol
    if getattr(original, "linewalk_trimmed", False):
        return True

    def build_protocol(self, addr):
        protocol = original(self, addr)
        if protocol is not None and getattr(protocol, "requestFactory", None) is WebRequest:
            protocol.requestFactory = functools.partial(WebRequest, parsePOSTFormSubmission=False)
        return protocol

    build_protocol.linewalk_trimmed = True
    HTTPFactory.buildProtocol = build_protocol
    return True


def _twisted_access_lines():
    try:
        from daphne.http_protocol import HTTPFactory
        from twisted.web import http
    except ImportError:
        return False
    original = HTTPFactory.log
    if getattr(original, "linewalk_trimmed", False):
        return True
    if original is not http.HTTPFactory.log:
        return False  # Daphne logs through it itself now: leave it

    def log(self, request):
        server = getattr(self, "server", None)
        if server is not None and getattr(server, "verbosity", 2) <= 1:
            return  # Daphne sends Twisted's log nowhere at this verbosity (daphne/server.py)
        original(self, request)

    log.linewalk_trimmed = True
    HTTPFactory.log = log
    return True


def answer_pings_in_daphne(ping, pong, every):
    """A phone's page pings whenever its socket has been quiet for a second (static/linewalk/heartbeat.js),
    so 10,000 idle phones send ~10,000 pings a second. Through the application each cost ~70-90 us of the
    server's CPU (Daphne's queue, the consumer's dispatch, the answer sent the ASGI way); here Daphne's
    protocol answers the exact ``ping`` text itself with ``pong`` written straight to the socket, at most
    once per ``every`` seconds per socket as the consumer would (sessions/consumers.handle, which still
    answers where this does not apply), and never hands it to the application: a heartbeat is no
    message and spends no allowance. Returns whether it applies (Daphne as measured)."""
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return False
    original = WebSocketProtocol.onMessage
    if getattr(original, "linewalk_pings", None) == (ping, pong, every):
        return True
    if getattr(original, "linewalk_pings", None) is not None:
        return False
    source = inspect.getsource(original)
    if "self.muted" not in source or "application_queue.put_nowait" not in source:
        return False
    ping_bytes, pong_frame = ping.encode(), text_frame(pong)

    def on_message(self, payload, isBinary):
        if isBinary or payload != ping_bytes or self.muted:
            return original(self, payload, isBinary)
        self.last_ping = time.time()  # as Daphne's own: a socket that speaks needs no server ping
        now = time.monotonic()
        if now - getattr(self, "linewalk_pinged", 0.0) < every:
            return
        self.linewalk_pinged = now
        if not Direct(self).write(pong_frame):
            self.sendMessage(pong.encode(), False)

    on_message.linewalk_pings = (ping, pong, every)
    WebSocketProtocol.onMessage = on_message
    return True


def trim_autobahn_labels():
    """autobahn writes a debug line for every read and write on a websocket (and several per handshake),
    and builds its arguments first: each names a method and a value in terminal colours (``hltype``,
    ``hlval``: ``click.style``), whether or not anything logs at debug level. 2% of the server's CPU
    while a room connects at once, and part of every message after. Here the two modules' names for
    those helpers give plain text instead (the same words, uncoloured, should debug logging be on).
    Returns the modules trimmed; none when autobahn no longer looks as it did when measured."""
    try:
        from autobahn import util
        from autobahn.twisted import websocket as twisted_websocket
        from autobahn.websocket import protocol
    except ImportError:
        return []
    trimmed = []
    for module in (protocol, twisted_websocket):
        if getattr(module, "hltype", None) is _plain_type and getattr(module, "hlval", None) is _plain_value:
            trimmed.append(module.__name__)
        elif getattr(module, "hltype", None) is util.hltype and getattr(module, "hlval", None) is util.hlval:
            module.hltype, module.hlval = _plain_type, _plain_value
            trimmed.append(module.__name__)
    return trimmed


def _plain_type(obj):
    return getattr(obj, "__qualname__", "unknown")


def _plain_value(value, color="white", bold=True):
    return value


# Daphne's two sweeps over every connection: at most one walk of this many connections a second each
# (10,000 sockets: each walked every 5 s instead of every 1 and 2 s), never less often than every
# SWEEP_AT_MOST seconds; a server with fewer connections sweeps as Daphne does.
SWEEP_PER_SECOND = 2000
SWEEP_AT_MOST = 5.0


def _paced_sweeps():
    try:
        from daphne.server import Server
    except ImportError:
        return False
    applications, timeouts = Server.application_checker, Server.timeout_checker
    if getattr(applications, "linewalk_trimmed", False):
        return True
    if "reactor.callLater(1, self.application_checker)" not in inspect.getsource(
        applications
    ) or "reactor.callLater(2, self.timeout_checker)" not in inspect.getsource(timeouts):
        return False

    def paced(original, every, name):
        def sweep(self):
            now = time.monotonic()
            due = min(SWEEP_AT_MOST, max(every, len(self.connections) / SWEEP_PER_SECOND))
            if now - getattr(self, name, 0.0) >= due - 0.05:
                setattr(self, name, now)
                return original(self)  # which asks for the next call itself
            from twisted.internet import reactor  # Daphne's, installed by now: this runs on it

            reactor.callLater(every, getattr(self, original.__name__))

        sweep.__name__ = original.__name__
        sweep.linewalk_trimmed = True
        return sweep

    Server.application_checker = paced(applications, 1, "linewalk_applications_swept")
    Server.timeout_checker = paced(timeouts, 2, "linewalk_timeouts_swept")
    return True


def log_ping_timeouts():
    """Daphne pings a websocket that has sent nothing for ``--ping-interval`` seconds and drops the TCP
    connection, without a close frame, when no pong comes within ``--ping-timeout`` (autobahn's
    ``onAutoPingTimeout``). autobahn says so only at debug level, so a screen that reconnected after it
    (close code 1006 in the browser) left nothing in the server's log. The ping waits behind every frame
    already queued for that socket: a screen that has fallen that far behind the room (its browser too
    busy to read) is dropped too, not only a dead one; the line says how much was still waiting in this
    process for the socket. Returns whether it applies (Daphne and autobahn as measured)."""
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return False
    original = getattr(WebSocketProtocol, "onAutoPingTimeout", None)
    if original is None:
        return False
    if getattr(original, "linewalk_logged", False):
        return True

    def on_auto_ping_timeout(self):
        transport = self.transport
        try:
            waiting = len(transport.dataBuffer) - transport.offset + transport._tempDataLen
        except (AttributeError, TypeError):
            waiting = -1
        log.warning(
            "websocket %s from %s dropped: no answer to the server's ping within %s s (%d bytes were still "
            "waiting to be written to it here)",
            getattr(self, "path", b"?").decode("ascii", "replace"),
            ":".join(map(str, getattr(self, "client_addr", None) or ["?"])),
            getattr(self, "autoPingTimeout", "?"),
            waiting,
        )
        return original(self)

    on_auto_ping_timeout.linewalk_logged = True
    WebSocketProtocol.onAutoPingTimeout = on_auto_ping_timeout
    return True


TRIMS = [
    ("autobahn settings dump", _autobahn_config_dump),
    ("Twisted form parsing", _twisted_form_parsing),
    ("Twisted access lines", _twisted_access_lines),
    ("Daphne's sweeps paced", _paced_sweeps),
]
