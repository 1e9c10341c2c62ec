"""What the load benchmark measures of the box, and how it says so: progress lines on stderr, the
open-file limit, CPU (server, clients, the rest of the box) and the server's RSS over a window, latency
distributions, the machine."""

from __future__ import annotations

import math
import os
import platform
import resource
import sys
import time
from pathlib import Path

from bench.joins import percentile


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def raise_open_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(needed, soft)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    if soft < needed:
        log(f"warning: open-file limit {soft} is below the ~{needed} this run needs (raise the hard limit)")
    return soft


def ephemeral_ports():
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
        return high - low + 1
    except (OSError, ValueError):
        return None


def box_busy_seconds():
    """CPU seconds the whole box has been busy (all cores, all processes), from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Probe:
    """CPU (server processes, client processes, everything else on the box) over a window, and the
    server's RSS (psutil)."""

    def __init__(self, server_pids):
        import psutil

        self.psutil = psutil
        self.server = [psutil.Process(pid) for pid in server_pids]
        self.clients = [psutil.Process(os.getpid())]
        self.start = None

    def add_clients(self, pids):
        self.clients += [self.psutil.Process(pid) for pid in pids]

    @staticmethod
    def _cpu(procs):
        total = 0.0
        for proc in procs:
            try:
                t = proc.cpu_times()
                total += t.user + t.system
            except Exception:  # noqa: BLE001,S110 - gone
                pass
        return total

    def rss(self):
        total = 0
        for proc in self.server:
            try:
                total += proc.memory_info().rss
            except Exception:  # noqa: BLE001,S110
                pass
        return total if self.server else None

    def _sample(self):
        return time.perf_counter(), self._cpu(self.server), self._cpu(self.clients), box_busy_seconds()

    def mark(self):
        self.start = self._sample()

    def read(self):
        wall, server, client, box = self._sample()
        wall0, server0, client0, box0 = self.start
        elapsed = max(wall - wall0, 1e-9)
        rss = self.rss()
        return {
            "window_s": round(elapsed, 2),
            "server_cpu_pct": round(100 * (server - server0) / elapsed, 1) if self.server else None,
            "server_rss_mb": round(rss / 2**20, 1) if rss else None,
            "client_cpu_pct": round(100 * (client - client0) / elapsed, 1),
            "other_cpu_pct": (
                round(100 * ((box - box0) - (server - server0) - (client - client0)) / elapsed, 1)
                if box is not None and box0 is not None and self.server
                else None
            ),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }


def dist_ms(values):
    """p50/p95/p99/max in ms; +inf (never delivered) shows as "lost" once it reaches a percentile."""
    values = sorted(values)
    out = {}
    for key, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100)):
        v = percentile(values, q)
        out[key] = None if v is None else ("lost" if math.isinf(v) else round(1000 * v, 1))
    out["n"] = len(values)
    out["lost"] = sum(1 for v in values if math.isinf(v))
    return out


def machine():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        mem = None
    return {
        "cores": cores,
        "cpu": model,
        "memory_gb": mem,
        "python": platform.python_version(),
        "os": platform.platform(),
        "layout": "clients and server on the same box",
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
        "ephemeral_ports": ephemeral_ports(),
    }
