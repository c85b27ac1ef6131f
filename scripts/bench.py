#!/usr/bin/env python3
"""Benchmark both implementations side by side in QEMU and report medians with spread.

usage: scripts/bench.py [--rounds N] [--loads N] [--quick] [--impls kx,upstream]
                        [--boots load,crash,kill,jump] [--flavour FLAVOUR] [--verbose]
       scripts/bench.py --replot   (the tables and the plot again, from results.csv)

Each round boots every implementation in turn (the order alternates between rounds), in
the same QEMU setup: bench-load (kexec_load of 16 to 256 MiB next to memcpy, 1024 MiB in
the first round only, 16 segments of 1 MiB, kexec -l of the real kernel with a 256 MiB
initrd, then the jump to it), bench-crash (KEXEC_ON_CRASH loads, then a panic into the
crash kernel), the kill scenario (how long SIGKILL takes to end a large normal and a large
crash load), and bench-jump twice, with a 256 MiB and with an 8 MiB initrd (8 MiB only
with --quick). Each bench-jump boot is a fresh 2048 MiB guest that loads nothing else and
has freed its own initrd, as booted machines do (no retain_initrd): kexec -l -i
(kexec-tools' --no-checks: the purgatory skips its SHA-256) of the real kernel with an
initrd of exactly that size, which the guest makes from its own /init, scripts and
busybox and random padding (scripts/guest/bench-jump.sh), then kexec -e. Its
rows: that load's time (guest clock), kexec -e to the new kernel's first console line and
the old kernel's last console line to the new kernel's first (host clock), and, for kx,
the share of the image's pages already at their destination at the jump, from its last
line "kexec: jump: P pages, I in place, C to copy". --boots runs only the boots named.
--flavour boots another kernel flavour of scripts/check.py than plain (arm64: the
arm64 kernels on QEMU's virt machine; their consoles go to runs-<flavour>/).
Results go to the terminal and to build/bench/ (results.md, results.csv, load.png).
Times under TCG are emulated: compare the two implementations, not the absolute figures.
Guest memory is backed on the host before each boot (-mem-prealloc): otherwise a load's
first write to a page QEMU had never backed pays for a host page fault that the memcpy
next to it, into memory it has just set, does not.
"""

import argparse
import csv
import re
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check  # noqa: E402  (a sibling script)
import qemu  # noqa: E402

OUT = check.BUILD / "bench"
LOAD = re.compile(r"bench load crash=(\d) mib=(\d+) segments=(\d+) load_ns=(\d+) "
                  r"memcpy_ns=(\d+) held_kib=(-?\d+)")
FIRST_LINE = re.compile(r"^\[\s*\d+\.\d+\] Linux version")
KILL = re.compile(r"kill latency: ([\d.]+) ms \((\w+) load of (\d+) MiB")
EXEC = re.compile(r"KX: bench exec")
# kx's last line before the jump. Upstream prints no count: its entry list has no notion of
# a page already in place, and its relocate_kernel copies every source page at the jump.
JUMP = re.compile(r"kexec: jump: (\d+) pages, (\d+) in place, (\d+) to copy")
JUMP_LOAD = re.compile(r"bench jump-load mib=(\d+) ms=(\d+)")
BOOTS = ("load", "crash", "kill", "jump")
JUMP_MIB = (256, 8)  # the initrds of the bench-jump boots; --quick: the last only
# The bench-jump guest's RAM (MiB), that of make check. kexec-tools puts the kernel and
# the initrd at the top of RAM (below 2 GiB here; with more RAM, at its very top), where the
# kernel's early allocations (memblock, top-down: the memory map, page tables) also are;
# those pages cannot be had in place. More RAM only moves both higher.
JUMP_MEMORY = 2048


def line_index(run, pattern, after=-1):
    """Index of the first console line after AFTER that matches PATTERN, or None."""
    lines = run.boot.lines
    return next((i for i in range(after + 1, len(lines)) if pattern.search(lines[i])), None)


def line_time(run, start_pattern, end_pattern):
    """Host seconds from the first line matching START to the next matching END."""
    start = line_index(run, start_pattern)
    end = None if start is None else line_index(run, end_pattern, start)
    return None if end is None else run.boot.times[end] - run.boot.times[start]


def load_metrics(run):
    """Metric name -> values from one bench-load or bench-crash boot."""
    metrics = defaultdict(list)
    for line in run.kx_lines():
        match = LOAD.search(line)
        if match:
            crash, mib, segments, load_ns, copy_ns, held = map(int, match.groups())
            name = (f"crash load {mib} MiB" if crash else
                    f"load {segments}x{mib // segments} MiB" if segments > 1 else
                    f"load {mib} MiB")
            metrics[f"{name} (ms)"].append(load_ns / 1e6)
            if not crash and segments == 1:
                metrics[f"memcpy {mib} MiB (ms)"].append(copy_ns / 1e6)
                metrics[f"load/memcpy {mib} MiB"].append(load_ns / copy_ns)
                metrics[f"held beyond image {mib} MiB (KiB)"].append(held)
        match = re.search(r"bench kexec-l mib=(\d+) ms=(\d+)", line)
        if match:
            metrics[f"kexec -l, {match.group(1)} MiB initrd (ms)"].append(int(match.group(2)))
    return metrics


def kill_metrics(run):
    """Kill latency of the kill scenario's large loads (kexec_kill)."""
    metrics = defaultdict(list)
    for line in run.boot.lines:
        match = KILL.search(line)
        if match:
            ms, kind, mib = float(match.group(1)), match.group(2), match.group(3)
            metrics[f"SIGKILL to exit, {kind} load of {mib} MiB (ms)"].append(ms)
    return metrics


LOAD_LATENCIES = {
    "kexec -e to first console line (s)": (EXEC, FIRST_LINE),
    "kexec -e to init (s)": (EXEC, re.compile(r"KX: bench init")),
}
CRASH_LATENCIES = {
    "panic to crash kernel's first line (s)": (re.compile(r"Kernel panic"), FIRST_LINE),
}


def latency_metrics(run, pairs):
    """Host seconds between the console lines of PAIRS (name -> (start, end))."""
    metrics = {}
    for name, (start, end) in pairs.items():
        seconds = line_time(run, start, end)
        if seconds is not None:
            metrics[name] = [seconds]
    return metrics


def jump_metrics(run, impl, mib):
    """The rows of one bench-jump boot, whose initrd had MIB MiB."""
    size = f"{mib} MiB initrd"
    metrics = {}
    for line in run.kx_lines():
        match = JUMP_LOAD.search(line)
        if match:
            if int(match.group(1)) != mib:
                raise RuntimeError(f"{run.scenario} on {impl}: the guest loaded a "
                                   f"{match.group(1)} MiB initrd, not {mib} MiB")
            metrics[f"kexec -l -i, {size} (ms)"] = [int(match.group(2))]
    start = line_index(run, EXEC)
    first = None if start is None else line_index(run, FIRST_LINE, start)
    if first is not None:
        times = run.boot.times
        metrics[f"kexec -i -e to first console line, {size} (s)"] = [times[first] - times[start]]
        # The line before the new kernel's first is the old kernel's last: kx's jump
        # line, upstream's last shutdown line (the guest lets info lines through).
        metrics[f"old kernel's last line to new kernel's first, {size} (s)"] = [
            times[first] - times[first - 1]]
    jump = line_index(run, JUMP, -1 if start is None else start)
    if jump is not None and (first is None or jump < first):
        pages, in_place, _ = map(int, JUMP.search(run.boot.lines[jump]).groups())
        if pages:
            metrics[f"pages in place at the jump, {size} (%)"] = [100 * in_place / pages]
    elif impl == "kx":
        print(f"bench.py: no 'kexec: jump:' line from kx in {run.directory / 'console.log'}",
              flush=True)
    return metrics


def bench_round(impl, images, args, first):
    """The boots of one implementation (args.boots); metric name -> values.

    The 1024 MiB load runs in the FIRST round only: upstream takes minutes for it under
    TCG (its load time grows faster than the image), and three of them would not fit the
    half hour a default run has.
    """
    kernel, padded, plain = images
    place = {"flavour": args.flavour, "arch": check.FLAVOURS[args.flavour].arch(args.flavour),
             "options": check.FLAVOURS[args.flavour].qemu}
    sizes = "16,64" if args.quick else "16,64,256" + (",1024" if first else "")
    common = f"kx.rounds={args.loads}"
    boots = []  # (run, what reads its metrics)
    if "load" in args.boots:
        boots.append((check.boot_scenario("bench-load", impl, kernel, padded,
                                          f"{common} kx.sizes={sizes}", timeout=1800,
                                          memory=6144, echo=args.verbose, prealloc=True, **place),
                      lambda run: {**load_metrics(run),
                                   **latency_metrics(run, LOAD_LATENCIES)}))
    if "crash" in args.boots:
        crash_sizes = "16" if args.quick else "16,64,256"
        boots.append((check.boot_scenario("bench-crash", impl, kernel, plain,
                                          f"{common} kx.crash_sizes={crash_sizes}"
                                          " crashkernel=384M", timeout=900, memory=2048,
                                          echo=args.verbose, prealloc=True, **place),
                      lambda run: {**load_metrics(run),
                                   **latency_metrics(run, CRASH_LATENCIES)}))
    if "kill" in args.boots:
        boots.append((check.boot_scenario("kill", impl, kernel, plain, "crashkernel=256M",
                                          timeout=600, echo=args.verbose, **place),
                      kill_metrics))
    if "jump" in args.boots:
        # One scenario name a size, so that each keeps its console (runs/bench-jump-MIB);
        # both run scripts/guest/bench-jump.sh. The guest makes the initrd it loads and
        # frees the one it booted with, which would otherwise stay where kexec-tools
        # puts the next one.
        for mib in JUMP_MIB[-1:] if args.quick else JUMP_MIB:
            boots.append((check.boot_scenario(f"bench-jump-{mib}", impl, kernel, plain,
                                              f"kx.script=bench-jump kx.initrd_mib={mib}",
                                              timeout=600, memory=JUMP_MEMORY,
                                              echo=args.verbose, prealloc=True,
                                              retain_initrd=False, **place),
                          lambda run, mib=mib: jump_metrics(run, impl, mib)))
    metrics = {}
    for run, _ in boots:
        ok, reason = run.guest_result()
        if not ok:
            raise RuntimeError(f"{run.scenario} on {impl}: {reason} "
                               f"(see {run.directory / 'console.log'})")
    for run, read in boots:
        metrics.update(read(run))
    return metrics


def number(value):
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.2f}"


def spread(values):
    """The median and, when there are several values, their range."""
    if not values:
        return "-"
    text = number(statistics.median(values))
    return text if len(values) == 1 else f"{text} [{number(min(values))}, {number(max(values))}]"


def write_reports(results, impls, samples):
    """Table on the terminal and in results.md, raw values in results.csv."""
    OUT.mkdir(parents=True, exist_ok=True)
    metrics = sorted({m for impl in impls for m in results[impl]}, key=metric_order)
    header = ["metric"] + [f"{impl} median [min, max]" for impl in impls]
    if len(impls) == 2:
        header.append(f"{impls[0]}/{impls[1]}")
    rows = []
    for metric in metrics:
        row = [metric] + [spread(results[impl].get(metric, [])) for impl in impls]
        values = [results[impl].get(metric) for impl in impls]
        if len(impls) == 2 and all(values):
            other = statistics.median(values[1])
            row.append(f"{statistics.median(values[0]) / other:.2f}" if other else "-")
        elif len(impls) == 2:
            row.append("-")  # a row of one implementation only (pages in place: kx's)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
             for r in [header, ["-" * w for w in widths]] + rows]
    text = "\n".join(lines)
    print(text)
    (OUT / "results.md").write_text(
        f"Medians over {samples}, QEMU TCG (emulated time: compare ratios); "
        "kx/upstream compares the medians.\n\n"
        + text + "\n")
    with open(OUT / "results.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["impl", "metric", "sample", "value"])
        for impl in impls:
            for metric, values in sorted(results[impl].items()):
                for number, value in enumerate(values, start=1):
                    writer.writerow([impl, metric, number, value])


def metric_order(metric):
    """Group rows by kind, then by size."""
    size = re.search(r"(\d+) MiB", metric)
    return (re.sub(r"\d+", "", metric), int(size.group(1)) if size else 0)


def plot(results, impls):
    """load.png: load time against image size, each implementation and memcpy."""
    if not shutil.which("gnuplot"):
        print("bench.py: gnuplot missing, no plot (make deps installs it)")
        return
    series = [(f"{impl} kexec_load", impl, "load") for impl in impls]
    series.append(("memcpy", impls[0], "memcpy"))
    data, plots = [], []
    for title, impl, kind in series:
        points = sorted((int(m.group(1)), statistics.median(v))
                        for metric, v in results[impl].items()
                        if (m := re.fullmatch(rf"{kind} (\d+) MiB \(ms\)", metric)))
        if not points:
            continue  # a run without the load boot (--boots)
        data.append("\n".join(f"{x} {y}" for x, y in points) + "\ne")
        plots.append(f"'-' using 1:2 with linespoints title '{title}'")
    script = (f"set terminal png noenhanced size 800,500\nset output '{OUT / 'load.png'}'\n"
              "set logscale xy 2\nset xlabel 'image size (MiB)'\n"
              "set ylabel 'time (ms, emulated)'\nset key top left\n"
              f"plot {', '.join(plots)}\n" + "\n".join(data) + "\n")
    if not plots:
        return
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="boots per implementation")
    parser.add_argument("--loads", type=int, default=1, help="loads per size in a boot")
    parser.add_argument("--quick", action="store_true", help="small sizes, one round")
    parser.add_argument("--impls", default="kx,upstream")
    parser.add_argument("--boots", default=",".join(BOOTS),
                        help="the boots of a round, of " + ",".join(BOOTS))
    parser.add_argument("--flavour", default="plain", choices=list(check.FLAVOURS),
                        help="the kernel flavour of scripts/check.py (default: plain)")
    parser.add_argument("--verbose", action="store_true", help="show the guests' lines")
    parser.add_argument("--replot", action="store_true",
                        help="only rewrite the reports and the plot from results.csv")
    args = parser.parse_args()
    args.impls = args.impls.split(",")
    if any(impl not in ("kx", "upstream") for impl in args.impls):
        parser.error("--impls takes kx and/or upstream")
    args.boots = args.boots.split(",")
    if not args.boots or any(boot not in BOOTS for boot in args.boots):
        parser.error(f"--boots takes some of {','.join(BOOTS)}")
    if args.quick:
        args.rounds = 1
    if args.rounds < 1 or args.loads < 1:
        parser.error("--rounds and --loads must be at least 1")
    return args


def read_results():
    """(results, impls) as the last run wrote them to results.csv."""
    results = defaultdict(lambda: defaultdict(list))
    with open(OUT / "results.csv", newline="") as data:
        for row in csv.DictReader(data):
            results[row["impl"]][row["metric"]].append(float(row["value"]))
    return results, list(results)


def main():
    args = parse_args()
    if args.replot:
        results, impls = read_results()
        write_reports(results, impls, "the samples in results.csv")
        plot(results, impls)
        return 0
    qemu.raise_on_signal()
    # The padded initrd is bench-load's only.
    pad = 0 if args.quick or "load" not in args.boots else 256
    images = {impl: build_images(impl, pad, args.flavour) for impl in args.impls}
    results = {impl: defaultdict(list) for impl in args.impls}
    for number in range(args.rounds):
        order = args.impls if number % 2 == 0 else args.impls[::-1]
        for impl in order:
            print(f"bench.py: round {number + 1} of {args.rounds}: {impl}", flush=True)
            for metric, values in bench_round(impl, images[impl], args, number == 0).items():
                results[impl][metric] += values
    write_reports(results, args.impls, f"{args.rounds} rounds ({args.loads} load a size a boot)")
    plot(results, args.impls)
    print(f"bench.py: results in {OUT.relative_to(check.TOP)}/")
    return 0


def build_images(impl, pad_mib, flavour="plain"):
    """(kernel, initrd with PAD_MIB of padding, plain initrd) of IMPL's FLAVOUR."""
    build = check.FLAVOURS[flavour].build_name(flavour)
    kernel, plain = check.build(impl, 0, build)
    return kernel, check.build(impl, pad_mib, build)[1], plain


if __name__ == "__main__":
    sys.exit(main())
