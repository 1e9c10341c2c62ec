"""HTTP requests served the WSGI way, in a small pool of threads of their own, inside Daphne.

Django's ASGI handler runs a request's synchronous parts one hop at a time: every middleware hook that
has no async version (sessions, CSRF, security, messages, clickjacking, authentication: 13 hooks here)
and the view each go through ``sync_to_async``, on a thread created for that request and joined at its
end, plus two more hops for the request signals. Measured with 200 people joining at once (the door:
docs/benchmarks.md), those hops and thread starts were most of the server's time, and the views
themselves a few percent.

Here a request is read on the event loop, then handed whole to one of ``HTTP_THREADS`` long-lived
threads, where Django's WSGI handler runs it exactly as a WSGI server would (the same middleware, the
same signals, the thread's database connection kept between requests); the response goes back to the
event loop to be sent. One hop per request, no thread started per request, and the websockets' database
thread (``database_sync_to_async``) is not the one HTTP waits on. A streamed response (exports) is read
in its worker thread, which owns the database cursor the stream reads from, and each chunk is sent as it
comes."""

import asyncio
import io
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

# Bodies up to this size are kept in memory; larger ones (imports) spill to a temporary file.
IN_MEMORY_BODY = 256 * 1024


def environ_for(scope, body, length):
    """The WSGI environ of an ASGI HTTP request (PEP 3333)."""
    script_name = scope.get("root_path", "").encode("utf8").decode("latin1")
    path_info = scope["path"].encode("utf8").decode("latin1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin1").upper().replace("-", "_")
        if name in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue  # the body is read whole: its length is known
        key = name if name == "CONTENT_TYPE" else f"HTTP_{name}"
        value = raw_value.decode("latin1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    environ["CONTENT_LENGTH"] = str(length)
    return environ


class PooledHTTP:
    """An ASGI application for HTTP: a WSGI application (Django's handler) on ``threads`` worker
    threads."""

    def __init__(self, wsgi_application, threads):
        self.handler = wsgi_application
        self.threads = threads
        self.pool = None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"PooledHTTP serves HTTP only, not {scope['type']}")
        body, length = await self._read_body(receive)
        if body is None:
            return  # the client went away before sending its whole request
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="linewalk-http")
        loop = asyncio.get_running_loop()
        environ = environ_for(scope, body, length)
        try:
            reply = await loop.run_in_executor(self.pool, self._respond, environ, loop, send)
        finally:
            body.close()
        if reply is not None:
            start, content = reply
            await send(start)
            await send({"type": "http.response.body", "body": content})

    async def _read_body(self, receive):
        chunks, length, spooled = [], 0, None
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                if spooled is not None:
                    spooled.close()
                return None, 0
            chunk = message.get("body", b"")
            length += len(chunk)
            if spooled is None and length > IN_MEMORY_BODY:
                spooled = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
                spooled.writelines(chunks)
                chunks = None
            if spooled is not None:
                spooled.write(chunk)
            else:
                chunks.append(chunk)
            if not message.get("more_body"):
                break
        if spooled is None:
            return io.BytesIO(b"".join(chunks)), length
        spooled.seek(0)
        return spooled, length

    def _respond(self, environ, loop, send):
        """In a worker thread: run the request. Returns (start message, body) for the event loop to
        send, or None if a streamed response was sent from here already."""
        started = {}

        def start_response(status, headers, exc_info=None):
            started["message"] = {
                "type": "http.response.start",
                "status": int(status.split(" ", 1)[0]),
                "headers": [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers],
            }

        response = self.handler(environ, start_response)
        try:
            if not getattr(response, "streaming", False):
                return started["message"], b"".join(response)

            def deliver(message):
                asyncio.run_coroutine_threadsafe(send(message), loop).result()

            if getattr(response, "file_to_stream", None) is not None:
                response.block_size = 2**16  # a static file in a few sends, as Django's ASGI handler does
            deliver(started["message"])
            for chunk in response:
                if chunk:
                    deliver({"type": "http.response.body", "body": chunk, "more_body": True})
            deliver({"type": "http.response.body"})
            return None
        finally:
            response.close()  # request_finished: the thread's database connection is tidied
