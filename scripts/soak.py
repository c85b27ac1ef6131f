#!/usr/bin/env python3
"""Long runs that make check has no time for, on one implementation.

usage: scripts/soak.py [--impl kx|upstream] [--flavour plain|debug] [--gens N]
                       [--layouts N] [--fuzz-calls N] [--fuzz-minutes M] [--kdumps N]
                       [--seed S]

In order: a chain of --gens kexec generations (each checks its initrd), --layouts random
segment layouts booted one after the other, the fuzzer for --fuzz-calls calls (or
--fuzz-minutes, whichever ends first), and --kdumps crash dumps in a row, taking turns
through every panic source the kdump scenarios have (sysrq, an oops, every CPU at once,
an oops with post notifiers), each dump read back. Progress shows as each boot goes; the
end is a table of what ran and what failed, and the line "N passed, N failed".
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check  # noqa: E402  (a sibling script)
import qemu  # noqa: E402

KDUMP_SOURCES = ["kdump", "kdump-oops", "kdump-smp", "kdump-notifiers"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default="kx", choices=["kx", "upstream"])
    parser.add_argument("--flavour", default="plain", choices=list(check.FLAVOURS))
    parser.add_argument("--gens", type=int, default=100)
    parser.add_argument("--layouts", type=int, default=20)
    parser.add_argument("--fuzz-calls", type=int, default=1000000)
    parser.add_argument("--fuzz-minutes", type=int, default=30)
    parser.add_argument("--kdumps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    return parser.parse_args()


def check_args(args, **extra):
    """The namespace check.run_scenario() reads, with EXTRA words for the guest."""
    return argparse.Namespace(impl=args.impl, gens=extra.get("gens", 5),
                              append=extra.get("append", ""), timeout_scale=1.0, pad=0)


def soak_steps(args):
    """(label, scenario, check.py arguments) of every boot, in order."""
    steps = [(f"chain x{args.gens}", "chain", check_args(args, gens=args.gens))]
    # Each boot of layouts runs a few generations; the seed moves on between boots.
    per_boot = 5
    for first in range(0, args.layouts, per_boot):
        count = min(per_boot, args.layouts - first)
        steps.append((f"layouts {first + 1}-{first + count}", "layouts", check_args(
            args, append=f"kx.layouts={count} kx.seed={args.seed + first}")))
    steps.append((f"fuzz {args.fuzz_calls} calls", "fuzz", check_args(
        args, append=f"kx.seed={args.seed} kx.count={args.fuzz_calls} "
                     f"kx.time={args.fuzz_minutes * 60}")))
    for i in range(args.kdumps):
        source = KDUMP_SOURCES[i % len(KDUMP_SOURCES)]
        steps.append((f"kdump {i + 1}/{args.kdumps} ({source})", source, check_args(args)))
    return steps


def main():
    args = parse_args()
    qemu.raise_on_signal()
    kernel, initrd = check.build(args.impl, 0, args.flavour)
    # The long runs need longer than make check gives them.
    check.SCENARIOS["chain"].timeout = 120
    check.SCENARIOS["fuzz"].timeout = args.fuzz_minutes * 60 + 300
    check.SCENARIOS["layouts"].timeout = 600
    print(f"soak.py: {args.impl} ({args.flavour}), seed {args.seed}", flush=True)
    start, rows, cases = time.monotonic(), [], []
    steps = soak_steps(args)
    for number, (label, scenario, step_args) in enumerate(steps, start=1):
        print(f"soak.py: step {number}/{len(steps)}: {label}", flush=True)
        got = check.run_scenario(scenario, args.flavour, step_args, kernel, initrd)
        for case in got:
            case.name = f"{label}: {case.name}"
        cases += got
        rows.append((label, all(c.passed for c in got), sum(c.seconds or 0 for c in got)))
    print(f"\n{'step':<40} result  time")
    for label, passed, seconds in rows:
        print(f"{label:<40} {'PASS' if passed else 'FAIL':<6} {seconds:6.0f} s")
    print(f"soak.py: {len(steps)} boots in {(time.monotonic() - start) / 60:.1f} min")
    return 0 if check.report(args.impl, cases) else 1


if __name__ == "__main__":
    sys.exit(main())
