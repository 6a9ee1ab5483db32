"""Realistic BulkFiles of any size: `python -m benchmarks.make_bulk N FILE [options]`.

Every item is a SubmitRequest (service.samples) for the demo employer and its own worker
(`worker_inss(start + i)`), dated relative to today, so the file is accepted item by item once
the sender holds a mandate and the workers are in the personnel file. Written as a stream.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from service import bulk_samples


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("items", type=int, help="number of items")
    parser.add_argument("out", type=Path, help="file to write")
    parser.add_argument("--sender-number", default="000001", help="6-digit sender number")
    parser.add_argument("--sequence", default="A0001", help="5 letters or digits")
    parser.add_argument("--environment", choices=["R", "T"], default="R")
    parser.add_argument("--start", type=int, default=0, help="index of the first worker")
    parser.add_argument("--prefix", default="BULK", help="RequestReference prefix")
    args = parser.parse_args(argv)
    reference = bulk_samples.write_bulk_file(
        args.out, args.items, sender_number=args.sender_number, today=date.today(),
        sequence=args.sequence, environment=args.environment, start=args.start,
        prefix=args.prefix)
    print(f"{args.out}: {args.items} items, {args.out.stat().st_size} bytes, {reference}")


if __name__ == "__main__":
    main()
