"""The load benchmark's results: a run summed up (latencies, deliveries, connections, verdicts) and
printed as tables, one a run and one summary of all runs."""

from __future__ import annotations

import array
import math
import os
from datetime import UTC, datetime

from bench import joins

from .checks import verdicts
from .measure import dist_ms, machine


def summarise(config, server, code, join_info, run, stored, log_counts):
    reports = run["reports"]
    n = sum(r["opened"] for r in reports)
    arrivals = {}
    for r in reports:
        for token, raw in r["arrivals"].items():
            a = array.array("d")
            a.frombytes(raw)
            arrivals.setdefault(token, []).append(a)
    phases = []
    for phase in run["phases"]:
        to_ack, to_all, each = [], [], []
        delivered = expected = acked = 0
        for token, (sent, acked_at, error, _slip) in phase["posts"].items():
            if error is not None or acked_at is None:
                continue
            acked += 1
            to_ack.append(acked_at - sent)
            got = [at - sent for a in arrivals.get(token, ()) for at in a]
            delivered += len(got)
            expected += n
            each.extend(got)
            each.extend([math.inf] * max(0, n - len(got)))
            to_all.append(max(got) if len(got) >= n and got else math.inf)
        posts = phase["posts"].values()
        phases.append(
            {
                "name": phase["name"],
                "sent": sum(1 for p in posts if p[2] is None),
                "send_errors": sum(1 for p in posts if p[2] is not None),
                "acked": acked,
                "max_schedule_slip_ms": round(1000 * max((p[3] for p in posts), default=0.0), 1),
                "posting_s": phase["posting_s"],
                "moves": phase["moves"],
                "latency_ms": {
                    "post_to_ack": dist_ms(to_ack),
                    "post_to_all": dist_ms(to_all),
                    "post_to_each": dist_ms(each),
                },
                "delivered": delivered,
                "expected": expected,
                "drops": expected - delivered,
                "complete": phase["complete"],
                "drain_s": phase["drain_s"],
                "resources": phase["resources"],
            }
        )
    errors = [e for r in reports for e in r["errors"]]
    codes = {}
    for e in errors:
        codes[e] = codes.get(e, 0) + 1
    mismatch = {k: sum(r["mismatch"][k] for r in reports) for k in ("seq", "posts", "themes", "any")}
    lags = [r["lag"] for r in reports]
    stored_all, public = stored if stored else (None, None)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "label": config.label,
        "config": {
            "clients": config.clients,
            "rate_per_s": config.rate,
            "seconds": config.seconds,
            "singles": config.singles,
            "idle_s": config.idle,
            "moves_per_s": config.moves,
            "posters": config.posters or min(config.clients, 100),
            "client_processes": config.processes,
            "server": server.kind,
            "live_fanout": config.fanout if not config.url else (os.environ.get("LIVE_FANOUT") or "server's"),
            "stock": config.stock,
            "server_processes": len(server.base_urls),
            "inquiry": code,
            "drain_limit_s": config.drain,
        },
        "machine": machine(),
        "join": join_info,
        "connections": {
            **run["connect"],
            "held_at_end": sum(r["held"] for r in reports),
            "closed_during_run": sum(len(r["closed"]) for r in reports),
            "closed_samples": sorted({c for r in reports for c in r["closed"]})[:3],
        },
        "idle": run["idle"],
        "phases": phases,
        "facilitator": run["facilitator"],
        "errors": {"server_error_frames": len(errors), "error_codes": codes, "server_log": log_counts},
        "final_check": {
            "reference": run["reference"],
            "reference_error": run.get("reference_error"),
            "clients_checked": sum(r["checked"] for r in reports),
            "mismatched": mismatch,
            "stored": len(stored_all) if stored_all is not None else None,
            "public": len(public) if public is not None else None,
        },
        "client_loop_lag_ms": {
            "p99_worst": max(
                (round(1000 * lag["p99"], 1) for lag in lags if lag["p99"] is not None), default=None
            ),
            "max": max((round(1000 * lag["max"], 1) for lag in lags if lag["max"] is not None), default=None),
        },
        "targets": config.targets,
        "verdicts": verdicts(config.targets, phases, run["idle"], join_info, run["connect"]),
    }


def _f(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.1f}" if isinstance(v, float) else f"{v:,}"


def render_run(r):
    c, m, cn, j = r["config"], r["machine"], r["connections"], r["join"]
    fc, er = r["final_check"], r["errors"]
    lines = [
        f"{'Run':<22}{r['label'] or ''} ({r['date']})",
        f"{'Clients (N)':<22}{c['clients']:,} participants in {c['client_processes']} client processes"
        f" + 1 facilitator socket",
        f"{'Server':<22}{c['server']}; LIVE_FANOUT={c['live_fanout']}",
        f"{'Machine':<22}{m['cores']} cores ({m['cpu'] or '?'}), {m['memory_gb']} GB, Python {m['python']};"
        f" {m['layout']}",
        *(
            [joins.render(j, _join_cpu(j))]
            if "per_s" in j
            else [
                f"{'Join':<22}{j['mode']}: {j['joined']:,} joined, {j['errors']} errors, {j['seconds']:.1f} s"
            ]
        ),
        f"{'Connections':<22}{cn['opened']:,}/{cn['requested']:,} opened in {cn['seconds']:.1f} s "
        f"({_f(cn['per_s'])}/s), {cn['errors']} connect errors, {cn['closed_during_run']} closed during run, "
        f"{cn['held_at_end']:,} held at end"
        + (
            f"; server {cn['server_cpu_ms_per_socket']} ms of CPU a socket ({_cpu_line(cn.get('resources'))})"
            if cn.get("server_cpu_ms_per_socket") is not None
            else ""
        ),
    ]
    idle = r["idle"]
    if idle:
        lines.append(
            f"{'Idle ' + format(idle['window_s'], 'g') + ' s':<22}"
            f"server CPU {idle['server_cpu_pct']}% of one core with {idle['held']:,} connected;"
            f" RSS {idle['rss_before_mb']} MB before connecting -> "
            f"{idle['rss_connected_mb']} connected -> {idle['rss_after_idle_mb']} after idle = "
            f"{_f(idle['kb_per_connection'])} KB per connection"
        )
    for p in r["phases"]:
        rs = p["resources"]
        lines += [
            "",
            f"Phase {p['name']}: {p['sent']} posts sent, {p['acked']} acked, {p['send_errors']} send errors, "
            f"{p['moves']} facilitator moves; posting {p['posting_s']:.1f} s, max schedule slip "
            f"{p['max_schedule_slip_ms']} ms",
            f"{'Latency (ms)':<22}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}{'samples':>11}{'lost':>9}",
        ]
        for label, key in (
            ("post -> ack (sender)", "post_to_ack"),
            ("post -> all clients", "post_to_all"),
            ("post -> each client", "post_to_each"),
        ):
            d = p["latency_ms"][key]
            lines.append(
                f"{label:<22}"
                + "".join(f"{_f(d[q]):>10}" for q in ("p50", "p95", "p99", "max"))
                + f"{d['n']:>11,}{d['lost']:>9,}"
            )
        ratio = f"{100 * p['delivered'] / p['expected']:.2f}%" if p["expected"] else "-"
        lines += [
            f"{'Delivered/expected':<22}{p['delivered']:,}/{p['expected']:,} ({ratio}); "
            f"{'all in' if p['complete'] else 'NOT all in'} {p['drain_s']:.1f} s after the last post",
            f"{'CPU (phase+drain)':<22}server {_f(rs['server_cpu_pct'])}% of one core, clients "
            f"{_f(rs['client_cpu_pct'])}%"
            + (
                f" ({rs['client_us_per_frame']} µs per frame read, {rs['client_frames']:,} frames)"
                if rs.get("client_us_per_frame") is not None
                else ""
            )
            + f", other {_f(rs['other_cpu_pct'])}%;"
            f" server RSS {_f(rs['server_rss_mb'])} MB",
        ]
        verdict = r["verdicts"].get(p["name"])
        if verdict:
            lines.append(f"{'Target':<22}{verdict[1]}")
    if "idle" in r["verdicts"]:
        lines.append(f"{'Idle target':<22}{r['verdicts']['idle'][1]}")
    for key, name in (("join", "Join target"), ("connect", "Connect target")):
        if key in r["verdicts"]:
            lines.append(f"{name:<22}{r['verdicts'][key][1]}")
    ref = fc["reference"]
    mm = fc["mismatched"]
    logc = er["server_log"]
    lines += [
        "",
        f"{'Final check':<22}"
        + (
            f"no fresh snapshot ({fc.get('reference_error') or 'no spare participant'}); boards not compared"
            if ref is None
            else f"fresh screen: seq {ref['seq']}, {ref['posts']} posts, themes {ref['themes']}; "
            f"{mm['any']}/{fc['clients_checked']:,} clients differ (seq {mm['seq']}, posts {mm['posts']}, "
            f"theme columns {mm['themes']}); database: {fc['stored']} stored, {fc['public']} public"
        ),
        f"{'Facilitator':<22}{r['facilitator']['moves']} moves, "
        f"{r['facilitator']['move_errors']} send errors, "
        f"error frames {r['facilitator']['error_frames'] or 'none'}",
        f"{'Server error frames':<22}{er['server_error_frames']}"
        + (f" {er['error_codes']}" if er["error_codes"] else ""),
        f"{'Server log':<22}"
        + (
            "not read (--url)"
            if logc is None
            else f"{logc['database_locked']} 'database is locked', {logc['tracebacks']} tracebacks "
            f"(+{logc['database_locked_after']} / +{logc['tracebacks_after']} while closing the sockets)"
        ),
        f"{'Client loop lag (ms)':<22}worst process p99 {r['client_loop_lag_ms']['p99_worst']}, "
        f"max {r['client_loop_lag_ms']['max']}",
    ]
    samples = cn["error_samples"] + cn["closed_samples"] + j.get("error_samples", [])
    if samples:
        lines.append(f"{'Error samples':<22}" + " | ".join(samples))
    return "\n".join(lines)


def _cpu_line(window):
    if not window:
        return None
    return (
        f"server {_f(window['server_cpu_pct'])}% of one core, clients {_f(window['client_cpu_pct'])}%, "
        f"other {_f(window['other_cpu_pct'])}%, load {window['load_avg_1m']}"
    )


def _join_cpu(join):
    if not join.get("resources"):
        return None
    return f"{_cpu_line(join['resources'])}; {join['server_cpu_ms_per_join']} ms of server CPU a join"


def _ms(value):
    return "-" if value is None else f"{value:,.0f}"


def render_joins(results):
    """The door: one line per run whose participants came in over HTTP (times in ms)."""
    rows = [r for r in results if "per_s" in r["join"]]
    if not rows:
        return ""
    head = (
        f"{'Run':<34}{'fanout':<7}{'joined':>8}{'s':>7}{'joins/s':>9}{'join p50/p95':>15}"
        f"{'join page':>14}{'POST':>14}{'part. page':>14}{'fail':>6}{'ovfl':>6}{'connect/s':>11}  target"
    )
    lines = [
        "Join storm (HTTP, ms: per join, then p50/p95 per step: join page, POST, participant page) and "
        "connect storm",
        head,
        "-" * len(head),
    ]
    for r in rows:
        j, c = r["join"], r["connections"]
        st = j["steps_ms"]
        v = r["verdicts"].get("join", (None, ""))[1]
        cv = r["verdicts"].get("connect")
        per_join = f"{_ms(j['join_ms']['p50'])}/{_ms(j['join_ms']['p95'])}"
        steps = "".join(
            f"{_ms(st[k]['p50']) + '/' + _ms(st[k]['p95']) if k in st else '-':>14}"
            for k in ("join_page", "post", "participant_page")
        )
        label = r["label"] or f"N={r['config']['clients']:,}"
        lines.append(
            f"{label[:33]:<34}{r['config']['live_fanout']:<7}{j['joined']:>8,}{j['seconds']:>7.1f}"
            f"{_f(j['per_s']):>9}{per_join:>15}{steps}"
            f"{j['errors']:>6}{_f((j.get('listen') or {}).get('overflows')):>6}{_f(c['per_s']):>11}  {v}"
            + (f"; connect {cv[1]}" if cv else "")
        )
    return "\n".join(lines)


def render_summary(results):
    """One table: a row per (run, phase), and an idle row per run that had one."""
    m = results[0]["machine"]
    head = (
        f"{'Run':<34}{'fanout':<7}{'phase':<10}{'posts':>6}{'each p50':>10}{'p95':>9}{'p99':>9}"
        f"{'all p99':>9}{'delivered':>20}{'held':>8}{'srv CPU':>8}{'other':>7}  target"
    )
    lines = [
        f"{m['cores']} cores ({m['cpu'] or '?'}), {m['memory_gb']} GB; {m['layout']}; "
        f"{results[0]['date']}; latencies in ms (post -> each client unless 'all'), CPU in % of one core"
        " ('other': processes that are neither server nor benchmark, e.g. other test suites)",
        head,
        "-" * len(head),
    ]
    for r in results:
        c = r["config"]
        label = (r["label"] or f"N={c['clients']:,}")[:33]
        fan = c["live_fanout"]
        join = "http" if r["join"]["mode"].startswith("http") else "bulk"
        label = f"{label} [{join}]"[:33]
        if r["idle"]:
            i = r["idle"]
            v = r["verdicts"].get("idle", (None, ""))[1]
            lines.append(
                f"{label:<34}{fan:<7}{'idle':<10}{'-':>6}{'':>10}{'':>9}{'':>9}{'':>9}"
                f"{_f(i['kb_per_connection']) + ' KB/conn':>20}"
                f"{i['held']:>8,}{_f(i['server_cpu_pct']):>8}{_f(i['other_cpu_pct']):>7}  {v}"
            )
        for p in r["phases"]:
            e, a = p["latency_ms"]["post_to_each"], p["latency_ms"]["post_to_all"]
            v = r["verdicts"].get(p["name"], (None, ""))[1]
            dl = f"{p['delivered']:,}/{p['expected']:,}"
            lines.append(
                f"{label:<34}{fan:<7}{p['name']:<10}{p['sent']:>6}{_f(e['p50']):>10}{_f(e['p95']):>9}"
                f"{_f(e['p99']):>9}{_f(a['p99']):>9}{dl:>20}{r['connections']['held_at_end']:>8,}"
                f"{_f(p['resources']['server_cpu_pct']):>8}{_f(p['resources']['other_cpu_pct']):>7}  {v}"
            )
        mm = r["final_check"]["mismatched"]
        if mm["any"]:
            lines.append(
                f"{'':<34}{'':<7}final board check: {mm['any']:,} of "
                f"{r['final_check']['clients_checked']:,} clients differ from a fresh snapshot"
            )
    door = render_joins(results)
    return "\n".join(lines) + ("\n\n" + door if door else "")
