"""`python -m bench [--events N]`: run every benchmark and print the table."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.report import table
from bench.run import Options, run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="messages to ingest")
    parser.add_argument("--connections", type=int, default=16, help="concurrent deliveries")
    parser.add_argument("--channels", type=int, default=10, help="incident channels")
    parser.add_argument("--repeated", type=float, default=0.1, help="share delivered twice")
    parser.add_argument("--commands", type=int, default=50, help="concurrent /incident note")
    parser.add_argument("--entries", type=int, default=10_000, help="timeline of the drafts")
    parser.add_argument("--features", type=int, default=20, help="features of the drafts")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (logs, db)")
    args = parser.parse_args()
    options = Options(
        events=args.events,
        connections=args.connections,
        channels=args.channels,
        repeated=args.repeated,
        commands=args.commands,
        entries=args.entries,
        features=args.features,
        seed=args.seed,
        database_url=args.database_url,
    )
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        rows = asyncio.run(run(options, args.keep.resolve()))
    else:
        with tempfile.TemporaryDirectory(prefix="outagebot-bench-") as folder:
            rows = asyncio.run(run(options, Path(folder)))
    print(table(rows))


if __name__ == "__main__":
    main()
