#!/usr/bin/env python3
"""Build what is missing, boot each test scenario in QEMU, and report.

usage: scripts/check.py [--impl kx|upstream] [--gens N] [--pad MIB] [--append WORDS]
                        [--timeout-scale F] [SCENARIO ...]

Each scenario is a fresh boot of the implementation's kernel with the test initramfs. Its
console is saved in build/<impl>/runs/<scenario>/console.log. The report is a table of
case, result and time, then one line "N passed, N failed"; the exit status is 1 when any
case failed, 2 on bad arguments.
"""

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import qemu  # noqa: E402  (a sibling script)

TOP = Path(__file__).resolve().parent.parent
BUILD = TOP / "build"
RESULT = re.compile(r"^KX: result (\S+) (PASS|FAIL) ?(.*)$")
TAP_CASE = re.compile(r"^(not )?ok \d+ (\S+)(.*)$")
TAP_PLAN = re.compile(r"^1\.\.(\d+)")


@dataclass
class Case:
    name: str
    passed: bool
    seconds: float | None  # None for a case inside a boot (a selftest): not timed alone
    reason: str = ""


@dataclass
class Run:
    """What one boot of a scenario left behind."""
    scenario: str
    boot: qemu.Boot
    directory: Path
    timeout: float

    def kx_lines(self):
        return [line[4:] for line in self.boot.lines if line.startswith("KX: ")]

    def guest_result(self):
        """(passed, reason) from the guest's last result line, or why there is none."""
        for line in reversed(self.boot.lines):
            match = RESULT.match(line)
            if match:
                return match.group(2) == "PASS", match.group(3)
        if self.boot.timed_out:
            return False, f"timed out after {self.timeout:.0f} s"
        return False, f"QEMU exited (status {self.boot.returncode}) without a result"


def verify_chain(run, args):
    """Generations 1..N each came up with the nonce the previous one handed over."""
    started = [re.match(r"chain gen=(\d+) nonce=(\S+)", line) for line in run.kx_lines()]
    started = [(int(m.group(1)), m.group(2)) for m in started if m]
    handed = dict((int(g), n) for g, n in re.findall(
        r"chain handoff gen=(\d+) nonce=(\S+)", "\n".join(run.kx_lines())))
    for expect, (gen, nonce) in enumerate(started, start=1):
        if gen != expect:
            return False, f"generation {gen} came up where {expect} was expected"
        if gen > 1 and handed.get(gen) != nonce:
            return False, f"generation {gen} has nonce {nonce}, was handed {handed.get(gen)}"
    if len(started) < args.gens:
        after = started[-1][0] if started else 0
        return False, (f"generation {after + 1} of {args.gens} never started"
                       + (f" (generation {after} handed over to it)"
                          if after + 1 in handed else ""))
    return run.guest_result()


def verify_booted(run, _args):
    """The guest's verdict, given only by a kernel that came up through kexec -e."""
    lines = run.kx_lines()
    if f"{run.scenario} exec" in lines and not any(
            line.startswith(f"{run.scenario} booted") for line in lines):
        return False, "the guest went for kexec -e but no new kernel came up"
    return run.guest_result()


def verify_kdump(run, _args):
    """The crashed kernel's log, read out of the dump on the host, holds the marker."""
    lines = run.kx_lines()
    markers = [line.split()[-1] for line in lines if line.startswith("kdump marker")]
    if markers and not any(line.startswith("kdump capture") for line in lines):
        return False, "the crash kernel never came up after the crash"
    ok, reason = run.guest_result()
    if not ok:
        return ok, reason
    if not markers:
        return False, "the guest never wrote its marker"
    dump, dmesg = run.directory / "vmcore.kdump", run.directory / "dmesg.txt"
    for path in (dump, dmesg):
        path.unlink(missing_ok=True)
    with open(run.directory / "disk.img", "rb") as disk:
        step = subprocess.run(["makedumpfile", "-R", str(dump)], stdin=disk,
                              capture_output=True, text=True, check=False)
    if step.returncode != 0:
        return False, f"makedumpfile -R failed: {step.stderr.strip()[-200:]}"
    step = subprocess.run(["makedumpfile", "--dump-dmesg", str(dump), str(dmesg)],
                          capture_output=True, text=True, check=False)
    if step.returncode != 0:
        return False, f"makedumpfile --dump-dmesg failed: {step.stderr.strip()[-200:]}"
    if markers[-1] not in dmesg.read_text(errors="replace"):
        return False, f"marker {markers[-1]} is not in the log read from the dump"
    return True, f"marker found in the dump ({dump.stat().st_size >> 10} KiB)"


def selftest_cases(program, lines):
    """One Case per TAP result of PROGRAM; a SKIP is a failure, a missing result too."""
    cases, planned = [], None
    for line in lines:
        plan, case = TAP_PLAN.match(line), TAP_CASE.match(line)
        if plan:
            planned = int(plan.group(1))
        elif case:
            skipped = "# SKIP" in case.group(3)
            reason = "skipped" if skipped else ("" if not case.group(1) else "not ok")
            cases.append(Case(f"{program}:{case.group(2)}",
                              not case.group(1) and not skipped, None, reason))
    if planned is None or len(cases) < planned:
        cases.append(Case(f"{program}:missing", False, None,
                          f"{len(cases)} of {planned or '?'} planned results reported"))
    return cases


def verify_selftests(run, args):
    """Every TAP case of every program between its begin and end lines."""
    cases, program, body = [], None, []
    for line in run.boot.lines:
        if line.startswith("KX: selftest begin "):
            program, body = line.split()[-1], []
        elif line.startswith("KX: selftest end ") and program:
            cases += selftest_cases(program, body)
            program = None
        elif program:
            body.append(line)
    if program:
        cases += selftest_cases(program, body)
        cases[-1].reason += " (the program never finished)"
    passed, reason = verify_booted(run, args)
    cases.append(Case(f"{run.scenario} (the boot)", passed and bool(cases), run.boot.seconds,
                      reason if cases else "no results"))
    return cases


@dataclass
class Scenario:
    append: str
    timeout: float
    verify: object
    disk_mib: int = 0


SCENARIOS = {
    "chain": Scenario("kx.gens={gens}", 90, verify_chain),
    "replace-unload": Scenario("", 120, verify_booted),
    "failed-load": Scenario("", 120, verify_selftests),
    "kdump": Scenario("crashkernel=256M", 180, verify_kdump, disk_mib=512),
    "selftests": Scenario("crashkernel=128M", 600, verify_selftests),
    "selftests-disabled": Scenario("crashkernel=128M kx.order=run-order-disabled", 180,
                                   verify_selftests),
}


def build(impl, pad):
    """Kernel, selftests and initramfs of IMPL (each rebuilt only when its inputs changed)."""
    kernel = subprocess.run([TOP / "scripts/kernel.sh", impl], check=True,
                            stdout=subprocess.PIPE, text=True).stdout.split()[-1]
    if (TOP / "scripts/selftests.sh").exists():
        subprocess.run([TOP / "scripts/selftests.sh"], check=True, stdout=subprocess.DEVNULL)
    initrd = subprocess.run([TOP / "scripts/initramfs.sh", impl, str(pad)], check=True,
                            stdout=subprocess.PIPE, text=True).stdout.split()[-1]
    return kernel, initrd


def sha256(path):
    return subprocess.run(["sha256sum", path], check=True, stdout=subprocess.PIPE,
                          text=True).stdout.split()[0]


def boot_scenario(name, impl, kernel, initrd, append="", timeout=120, disk_mib=0,
                  memory=2048, echo=True):
    """Boot KERNEL once with kx.scenario=NAME; the console lands in build/IMPL/runs/NAME."""
    directory = BUILD / impl / "runs" / name
    directory.mkdir(parents=True, exist_ok=True)
    disk = None
    if disk_mib:
        disk = directory / "disk.img"
        disk.unlink(missing_ok=True)
        with open(disk, "wb") as image:
            image.truncate(disk_mib << 20)
    append = " ".join(filter(None, [
        f"kx.scenario={name}", f"kx.impl={impl}", f"kx.sum={sha256(initrd)}", append]))
    show = (lambda line: print(f"   {line}", flush=True)) if echo else None
    boot = qemu.Boot(qemu.qemu_command(kernel, initrd, append, disk, memory),
                     directory / "console.log", echo=show).run(timeout)
    return Run(name, boot, directory, timeout)


def run_scenario(name, args, kernel, initrd):
    """Boot scenario NAME once and judge it."""
    spec = SCENARIOS[name]
    timeout = (spec.timeout + (40 * args.gens if name == "chain" else 0)) * args.timeout_scale
    print(f"== {name} ({args.impl})", flush=True)
    append = " ".join(filter(None, [spec.append.format(gens=args.gens), args.append]))
    run = boot_scenario(name, args.impl, kernel, initrd, append, timeout, spec.disk_mib)
    verdict = spec.verify(run, args)
    cases = verdict if isinstance(verdict, list) else [
        Case(name, verdict[0], run.boot.seconds, verdict[1])]
    for case in cases:
        if not case.passed:
            print(f"   FAIL {case.name}: {case.reason}")
    if not all(case.passed for case in cases):
        print(f"   last console lines ({run.directory.relative_to(TOP) / 'console.log'}):")
        for line in run.boot.tail():
            print(f"   | {line}")
    return cases


def report(impl, cases):
    width = max([len(c.name) for c in cases] + [8])
    print(f"\n{'case':<{width}}  impl      result  time    note")
    for case in cases:
        seconds = "      " if case.seconds is None else f"{case.seconds:5.1f} s"
        print(f"{case.name:<{width}}  {impl:<8}  {'PASS' if case.passed else 'FAIL':<6}"
              f"  {seconds} {case.reason}")
    passed = sum(case.passed for case in cases)
    print(f"{passed} passed, {len(cases) - passed} failed")
    return passed == len(cases)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default="kx", choices=["kx", "upstream"])
    parser.add_argument("--gens", type=int, default=5, help="chain generations")
    parser.add_argument("--pad", type=int, default=0, help="MiB of padding in the initrd")
    parser.add_argument("--append", default="", help="extra kernel command line words")
    parser.add_argument("--timeout-scale", type=float, default=1.0)
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    args = parser.parse_args()
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)} "
                     f"(known: {' '.join(SCENARIOS)})")
    if args.gens < 1:
        parser.error("--gens must be at least 1")
    args.scenarios = args.scenarios or list(SCENARIOS)
    return args


def main():
    args = parse_args()
    qemu.raise_on_signal()
    try:
        kernel, initrd = build(args.impl, args.pad)
    except subprocess.CalledProcessError as err:
        print(f"check.py: building failed ({err.cmd[0]})", file=sys.stderr)
        return 1
    cases = []
    for name in args.scenarios:
        cases += run_scenario(name, args, kernel, initrd)
    return 0 if report(args.impl, cases) else 1


if __name__ == "__main__":
    sys.exit(main())
