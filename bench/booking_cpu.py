"""One client's CPU a booking attempt: this code against another commit's, both at once.

    ./run bench booking_cpu --against REV     (e.g. --against HEAD~1; --help for sizes)

Throughput run after run compares nothing smaller than the machine's own swings, a third
within minutes on these shared machines. Here the two codes book at the same moment, one
client each, each in a process of its own against a database of its own seeded alike (the
booking benchmark's clinic, with its history), and each measures its own CPU and that of its
PostgreSQL backend over the same attempts: what the machine does to one it does to the other.
Prints each pair's figures and ratio (this code / the other: below 1, this one costs less),
then the medians. Bounded: a fixed number of attempts, pairs and seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASE_URL = "postgres://postgres@127.0.0.1:5432/"
# Past this, a side that has not answered is stuck, not slow.
TIMEOUT_SECONDS = 900


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD~1", help="the other code: a commit or tag")
    parser.add_argument("--attempts", type=int, default=3000, help="measured, a side and pair")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--doctors", type=int, default=20)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a side's database name
    args = parser.parse_args()
    if args.child:
        _side(args.child, attempts=args.attempts, doctors=args.doctors)
        return

    other_src = _checkout(args.against)
    sides = {"this": ROOT / "src", args.against: other_src}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    print(f"one client a side, {args.attempts} attempts a pair, {args.pairs} pairs")
    for pair in range(args.pairs):
        measured = _pair(sides, args)
        for name, figures in measured.items():
            results[name].append(figures)
        this, other = measured["this"], measured[args.against]
        print(
            f"pair {pair + 1}: "
            + "; ".join(
                f"{name} client {m['client']:.3f} ms, backend {m['backend']:.3f} ms"
                for name, m in measured.items()
            )
            + f"; ratio {_total(this) / _total(other):.2f}"
        )
    this_runs, other_runs = results["this"], results[args.against]
    print("\nmedians, ms an attempt (ratio = this / the other; below 1, this costs less):")
    for part in ("client", "backend"):
        ours = statistics.median(r[part] for r in this_runs)
        theirs = statistics.median(r[part] for r in other_runs)
        print(f"  {part:8} this {ours:.3f}, {args.against} {theirs:.3f}: {ours / theirs:.2f}")
    ratios = [_total(a) / _total(b) for a, b in zip(this_runs, other_runs, strict=True)]
    print(
        f"  together: {statistics.median(ratios):.2f} (pairs {min(ratios):.2f}-{max(ratios):.2f})"
    )


def _total(figures: dict[str, float]) -> float:
    return figures["client"] + figures["backend"]


def _checkout(revision: str) -> Path:
    """The other commit's src/, unpacked into a folder of its own."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "src"],
        check=True,
        capture_output=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="nobat-bench-against-"))
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def _pair(sides: dict[str, Path], args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Both sides seed, say they are ready, and book when told to, at once."""
    processes = {
        name: subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__)),
                f"--child=nobat_bench_cpu_{index}",
                f"--attempts={args.attempts}",
                f"--doctors={args.doctors}",
            ],
            env={**os.environ, "PYTHONPATH": str(src), "LOG_LEVEL": "WARNING"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for index, (name, src) in enumerate(sides.items())
    }
    try:
        for process in processes.values():
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                raise SystemExit("a side failed before it was ready (its error is above)")
        for process in processes.values():
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        return {
            name: json.loads(process.communicate(timeout=TIMEOUT_SECONDS)[0])
            for name, process in processes.items()
        }
    finally:
        for process in processes.values():
            process.kill()


def _side(database: str, *, attempts: int, doctors: int) -> None:
    """One side: seed, warm up, wait for the word, book, print its CPU an attempt as JSON."""
    sys.path[:0] = [str(HERE), str(ROOT)]  # the booking benchmark's clinic; tests.factories
    url = BASE_URL + database
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.config.settings")
    from bench_db import recreate_database
    from booking import _prepare, attempter

    recreate_database(url)
    plan = _prepare(doctors, 30, patients=500, history=90)

    from django.db import connection

    attempt = attempter(plan, random.Random(1))

    def book(count: int) -> None:
        for _ in range(count):
            attempt()  # a refusal is an attempt too

    book(200)  # the reads' generic plans made, the caches full
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [backend] = cursor.fetchone()
    print("ready", flush=True)
    sys.stdin.readline()
    client, server = time.process_time(), _cpu_seconds(backend)
    book(attempts)
    figures = {
        "client": 1000 * (time.process_time() - client) / attempts,
        "backend": 1000 * (_cpu_seconds(backend) - server) / attempts,
    }
    print(json.dumps(figures), flush=True)


def _cpu_seconds(pid: int) -> float:
    """A process's CPU time (user and system), from /proc: the PostgreSQL backend is local."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
