"""Load benchmark of the live session: ``python -m bench.live``.

N participants of one inquiry open the websocket their page opens, spread over several client
processes (``--client-processes``, each a uvloop event loop holding its share of the sockets, each socket
a ``bench/wsclient.py`` client; docs/benchmarks.md, "The clients"); a round-robin
subset of them posts cards on a wall-clock schedule while a facilitator socket moves posted cards into
themes. Every client reads every frame; a card's text carries a unique token, so the time
(``time.time()``: clients and server share one box and one clock) each client first sees each post is
known. Per phase it reports post -> ack, post -> every client, post -> each client (p50/p95/p99/max),
delivered/expected, connections held, server CPU and RSS, and in an idle phase (N connected, no posts)
the server's CPU and its RSS growth per connection. At the end every client's board (last sequence
number, the posts on it, the cards in each theme) is compared with a fresh screen's snapshot.

Participants join through the real join flow (HTTP: GET the join page, POST the form with its CSRF
token, keep the session cookie) or, for large N, through ``--join bulk``: the same Participant rows and
sessions the join view writes (a phone's is its signed cookie), created in one transaction with the ORM
(``manage.py shell``), whose session keys the clients then send as their ``sessionid`` cookie. Everything
after the cookie (websocket handshake, session and participant lookup, snapshot, presence) is the real
path.

By default it serves the embedded default itself (Daphne, SQLite in a temp dir, in-memory channel layer)
on 127.0.0.1 and a free port, with ``LIVE_FANOUT`` from ``--fanout`` (hub, group or both: one run each);
``--server-processes 2`` starts two Daphne processes on the Redis layer (``REDIS_URL`` on 127.0.0.1, or
a throwaway ``redis-server`` the script starts). It never talks to any other host, and every phase has
a time limit. ``--suite standard`` (``make bench``) and ``--suite targets`` run predefined sets and print
one summary table with each target's verdict.
"""
