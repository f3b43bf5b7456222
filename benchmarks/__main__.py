"""``make bench``: run every benchmark module and report its figures.

Machines here are noisy, so each benchmark reports ratios to a baseline that
it measures in the same run; absolute figures are given for context only.
Results are printed and written to ``bench-results/<name>.json``.

    python -m benchmarks            # all
    python -m benchmarks ledger     # one or more by name
"""

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import benchmarks


def main(names: list[str]) -> int:
    available = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")
    )
    chosen = names or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        print(f"unknown benchmarks {unknown}; available: {available}", file=sys.stderr)
        return 2
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    for name in chosen:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        figures = module.run()
        figures["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(figures, indent=2, default=str), flush=True)
        (out / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
