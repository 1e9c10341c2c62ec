"""One run of the load benchmark, step by step: serve, set up and join, then connect every client, idle,
post the single and sustained phases, drain, take the fresh screen's snapshot, collect the reports, close."""

from __future__ import annotations

import asyncio
import time

from bench import joins

from .checks import stored_in_db
from .clients import ClientProcesses, Facilitator, fresh_board
from .measure import Probe, log, raise_open_file_limit
from .report import summarise
from .servers import EmbeddedServer, ExternalServer, bulk_join, resolve_postgres, setup_inquiry


async def run_load(config, server, code, facilitator_key, joined, spy=None):
    """Connect the facilitator and N clients, idle, post the phases, drain, check boards, close."""
    result = {"phases": [], "idle": None}
    probe = Probe(server.pids)
    time.sleep(1.0)
    rss_before = probe.rss()
    facilitator = Facilitator(server.base_urls[0], code, f"sessionid={facilitator_key}")
    await facilitator.start()
    spare = joined[-1]  # the fresh screen at the end: a participant with no socket during the run
    joined = joined[:-1]
    connect_limit = config.connect_limit or config.connect_timeout + 0.1 * len(joined) + 60
    processes = ClientProcesses(
        code,
        joined,
        config.processes,
        {
            "connect_timeout": config.connect_timeout,
            "connect_concurrency": config.connect_concurrency,
            "connect_limit": connect_limit,
            "heartbeat": config.heartbeat,
        },
    )
    try:
        processes.start()
        probe.add_clients(processes.pids)
        log(
            f"{len(processes.pids)} client processes (pids {', '.join(str(p) for p in processes.pids)})"
            f" connecting {len(joined):,} sockets"
        )
        result["connect"], opened = await connect_phase(processes, probe, len(joined), connect_limit)
        if spy is not None:
            joins.stop_profiler(spy)
        await asyncio.sleep(2.5)  # the presence frame these connects scheduled goes out
        rss_connected = probe.rss()
        if config.idle > 0:
            result["idle"] = await idle_phase(processes, probe, config.idle, rss_before, rss_connected)
        posters = opened[: (config.posters or min(len(opened), 100))]
        earlier = set()
        for name, plan, move_rate in post_plans(config):
            if not posters:
                break
            result["phases"].append(
                await post_phase(
                    processes, probe, facilitator, name, plan, move_rate, posters, earlier, config.drain
                )
            )
        server.mark_log()
        result.update(await final_check(processes, code, spare, facilitator))
    finally:
        await facilitator.close()
        await processes.close()
    return result


async def connect_phase(processes, probe, requested, connect_limit):
    """Every client process opens its sockets: (what the connect phase measured, the indexes opened)."""
    started = time.monotonic()
    probe.mark()
    answers = await processes.ask(None, connect_limit + 30)
    connect_s = time.monotonic() - started
    connect_window = probe.read()
    opened = sorted(i for a in answers if a for i in a[1])
    connect_errors = [e for a in answers if a for e in a[2]]
    connect = {
        "requested": requested,
        "opened": len(opened),
        "errors": len(connect_errors),
        "error_samples": sorted(set(connect_errors))[:3],
        "seconds": round(connect_s, 1),
        "per_s": round(len(opened) / connect_s, 1) if connect_s else None,
        "resources": connect_window,
        # The server's CPU per socket connected: what a busy box inflates least (docs/benchmarks.md).
        "server_cpu_ms_per_socket": round(
            10 * connect_window["server_cpu_pct"] * connect_window["window_s"] / max(1, len(opened)), 2
        ),
    }
    log(f"{len(opened):,}/{requested:,} sockets open in {connect_s:.1f} s ({len(connect_errors)} errors)")
    return connect, opened


async def idle_phase(processes, probe, seconds, rss_before, rss_connected):
    """Every socket connected, nobody posting: the server's CPU, and its RSS growth per connection."""
    log(f"idle phase: {seconds:g} s connected, no posts")
    probe.mark()
    await asyncio.sleep(seconds)
    window = probe.read()
    rss_idle = probe.rss()
    held = sum(a[1] for a in await processes.ask(("status",), 30) if a)
    return {
        **window,
        "held": held,
        "rss_before_mb": round(rss_before / 2**20, 1) if rss_before else None,
        "rss_connected_mb": round(rss_connected / 2**20, 1) if rss_connected else None,
        "rss_after_idle_mb": round(rss_idle / 2**20, 1) if rss_idle else None,
        "kb_per_connection": round((rss_idle - rss_before) / 1024 / held, 1) if held and rss_idle else None,
    }


def post_plans(config):
    """The posting phases: (name, [(seconds after its start, post number)], facilitator moves a second).
    Posts are numbered across the phases; post k goes to poster k (round-robin)."""
    phases = []
    if config.singles:
        phases.append(
            ("single", [(i * config.single_gap, k) for k, i in enumerate(range(config.singles))], 0)
        )
    if config.posts:
        first = config.singles
        phases.append(
            ("sustained", [(k / config.rate, first + k) for k in range(config.posts)], config.moves)
        )
    return phases


async def post_phase(processes, probe, facilitator, name, plan, move_rate, posters, earlier, drain):
    """The posters send ``plan`` on its schedule while the facilitator moves cards, then every client
    process waits (``drain`` s at most) until its sockets have every post. ``earlier``: the tokens of the
    phases before, to which this phase adds its own."""
    t0 = time.time() + 0.5
    schedules = [[] for _ in processes.conns]
    for offset, k in plan:
        index = posters[k % len(posters)]
        schedules[processes.owner[index]].append((t0 + offset, index, k))
    span = plan[-1][0] if plan else 0
    log(
        f"phase {name}: {len(plan)} posts over {span:g} s" + (f", {move_rate:g} moves/s" if move_rate else "")
    )
    probe.mark()
    moves_before = facilitator.moves
    mover = asyncio.create_task(facilitator.move_loop(move_rate, t0 + span + 0.5))
    for conn, schedule in zip(processes.conns, schedules, strict=True):
        conn.send(("post", schedule, span + 30))
    posted = await processes.ask(None, span + 60)
    await mover
    posts = {}
    for answer in posted:
        if answer:
            posts.update(answer[1])
    phase_tokens = set(posts) - earlier
    earlier |= phase_tokens
    good = [t for t in phase_tokens if posts[t][2] is None]
    posting_s = time.time() - t0
    drain_start = time.time()
    drained = await processes.ask(("drain", good, time.time() + drain), drain + 30)
    drain_s = time.time() - drain_start
    for answer in drained:  # acks arrive after the sends: the posts as the drain left them
        if answer:
            posts.update({t: p for t, p in answer[3].items() if t in phase_tokens})
    window = probe.read()
    frames = sum(a[4] for a in drained if a)
    window["client_frames"] = frames
    client_cpu_s = window["client_cpu_pct"] / 100 * window["window_s"]
    window["client_us_per_frame"] = round(1e6 * client_cpu_s / frames, 1) if frames else None
    log(f"phase {name}: {len(phase_tokens)} posts, drained in {drain_s:.1f} s")
    return {
        "name": name,
        "posts": {t: posts[t] for t in phase_tokens},
        "posting_s": round(posting_s, 2),
        "drain_s": round(drain_s, 2),
        "complete": all(a and a[1] for a in drained),
        "moves": facilitator.moves - moves_before,
        "resources": window,
    }


async def final_check(processes, code, spare, facilitator):
    """A fresh screen (the ``spare`` participant) takes a snapshot; every client process compares its
    clients' boards with it and reports what they received."""
    log("fresh screen and board check")
    result = {}
    reference = (
        await fresh_board(spare.base_url, code, spare.session_cookie) if spare.session_cookie else None
    )
    if isinstance(reference, str):  # the fresh screen failed: why
        result["reference_error"], reference = reference, None
    reports = await processes.ask(("report", reference), 300)
    result["reference"] = (
        None
        if reference is None
        else {
            "seq": reference["seq"],
            "posts": len(reference["tokens"]),
            "themes": {t: len(c) for t, c in reference["themes"].items()},
        }
    )
    result["reports"] = [r[1] for r in reports if r]
    result["report_missing"] = sum(1 for r in reports if not r)
    result["facilitator"] = {
        "moves": facilitator.moves,
        "move_errors": facilitator.move_errors,
        "error_frames": facilitator.errors[:5],
        "themes": facilitator.themes,
    }
    return result


def run_one(config):
    raise_open_file_limit(config.clients + 512)  # the server holds N sockets; it inherits this limit
    spy = None
    server = (
        ExternalServer(config.url)
        if config.url
        else EmbeddedServer(
            config.server_processes,
            config.fanout,
            config.keep_server_log,
            config.ws_max_message_size,
            postgres=resolve_postgres(config.postgres),
            stock=config.stock,
        )
    )
    try:
        server.start()
        code, facilitator_key = setup_inquiry(server.env(), config.code)
        if config.profile and server.pids:
            spy = joins.start_profiler(server.pids[0], config.profile)
        mode = config.join_mode
        log(f"inquiry {code}; joining {config.clients + 1:,} participants ({mode})")
        if mode == "http":
            probe = Probe(server.pids) if server.pids else None
            if probe:
                probe.mark()
            joined, join_info = joins.run_storm(
                server.base_urls, code, config.clients + 1, config.join_concurrency
            )
            join_info["resources"] = probe.read() if probe else None
            join_info["server_cpu_ms_per_join"] = joins.cpu_ms_per_join(join_info, join_info["resources"])
            join_s = join_info["seconds"]
        else:
            joined, join_s = bulk_join(server.env(), code, config.clients + 1, server.base_urls)
            join_info = {
                "mode": "bulk (ORM: Participants and sessions as the join view writes them; not HTTP)",
                "joined": sum(1 for j in joined if not j.error),
                "errors": sum(1 for j in joined if j.error),
                "seconds": join_s,
                "error_samples": sorted({j.error for j in joined if j.error})[:3],
            }
        log(f"joined {join_info['joined']:,} in {join_s:.1f} s; opening websockets")
        run = asyncio.run(run_load(config, server, code, facilitator_key, joined, spy))
        stored = stored_in_db(server.env(), code)
        results = summarise(config, server, code, join_info, run, stored, None)
    finally:
        if spy is not None and spy.poll() is None:
            joins.stop_profiler(spy)
        server.stop()
    results["errors"]["server_log"] = server.log_counts()
    server.cleanup()
    return results
