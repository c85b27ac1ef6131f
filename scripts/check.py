#!/usr/bin/env python3
"""Build what is missing, boot each test scenario in QEMU, and report.

usage: scripts/check.py [--impl kx|upstream] [--flavour FLAVOUR | --arch ARCH]
                        [--gens N] [--pad MIB] [--append WORDS] [--timeout-scale F]
                        [SCENARIO ...]
       scripts/check.py --self-test

Each scenario is a fresh boot of the implementation's kernel of one flavour with the test
initramfs: plain (the test config), debug (the kernel's bug detectors on top, where any
report they print fails the run), secure (lockdown, IMA and signed kexec_file_load),
distro (Debian's options around kexec: compat, five-level paging, EFI, hotplug) or
distro-efi (the distro kernel started by UEFI firmware), or, on another architecture,
arm64 (4K pages, 48-bit VA), arm64-52 (52-bit VA with LPA2) and arm64-el2 (the arm64
kernel started at EL2). FLAVOURS below says what
each adds to a boot.
Without --flavour and without scenarios, every scenario's default flavours of x86_64 (or of
--arch: arm64 runs the arm64 flavours' defaults) run, then, for kx on x86_64, the host checks (HOST_CHECKS: the lint-* gates and the series-* checks of the patch
series, each one row); scenarios named without --flavour run plain, or on the one flavour
they run on, and a host check can be named like a scenario. A console is saved
in build/<impl>/runs/<scenario>/console.log (runs-<flavour>/ for another flavour).
The report is a table of case, result and time, then one line "N passed, N failed"; the
exit status is 1 when any case failed, 2 on bad arguments. --self-test checks, offline,
how the kunit scenario and the splat judge read sample consoles (scripts/testdata/).
"""

import argparse
import platform
import re
import struct
import subprocess
import sys
import time
import unittest
import zlib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ktap  # noqa: E402  (sibling scripts)
import qemu  # noqa: E402

TOP = Path(__file__).resolve().parent.parent
BUILD = TOP / "build"
RESULT = re.compile(r"^KX: result (\S+) (PASS|FAIL) ?(.*)$")
TAP_CASE = re.compile(r"^(not )?ok \d+ (\S+)(.*)$")
TAP_PLAN = re.compile(r"^1\.\.(\d+)")
KTAP_LINE = "KX-KTAP: "  # kunit.sh: one line of the kernel log's KTAP
KUNIT_END = re.compile(r"^KX: kunit end lines=(\d+)")
KUNIT_FILTER = "kexec*"
REGION_WRITES = re.compile(r"kexec_crash_test: (\d+) of (\d+) crash region pages took the write")


OVMF = "/usr/share/ovmf/OVMF.fd"  # Debian's ovmf: UEFI firmware for QEMU


@dataclass
class KnownFailure:
    """A failure of one implementation on a flavour that is known and pinned: the
    scenarios named pass there only while the console still shows it (PATTERNS), so that
    a fix, or another failure, shows up as a failed row."""
    impls: tuple
    scenarios: tuple
    patterns: tuple  # re.Pattern: each must match a console line
    reason: str


@dataclass
class Flavour:
    """A kernel booted one way: the build it boots (kernel.sh's flavour: its config
    fragment, which also names the architecture), the firmware and machine options QEMU
    gets, what it adds to every boot's command line, how its runs are judged, and the
    failures known and pinned on it."""
    append: str = ""
    timeout_scale: float = 1.0
    judged: bool = False  # the splat judge fails any run whose console shows a report
    kernel: str = ""  # kernel/configs/kexec-<kernel>.config; "" is the flavour's own name
    qemu: tuple = ()
    known: tuple = ()  # KnownFailure

    def build_name(self, name):
        return self.kernel or name

    def arch(self, name):
        return build_arch(self.build_name(name))

    def known_failure(self, impl, scenario):
        return next((k for k in self.known if impl in k.impls and scenario in k.scenarios),
                    None)


def build_arch(build):
    """The architecture kernel.sh's flavour BUILD is for: the "# ARCH=" line of its
    config fragment (scripts/kernel.sh reads the same line), x86_64 where there is none."""
    if build == "plain":
        return "x86_64"
    fragment = TOP / "kernel/configs" / f"kexec-{build}.config"
    found = re.findall(r"^# ARCH=([a-z0-9_]+)$", fragment.read_text(), re.M)
    return found[-1] if found else "x86_64"


# Upstream 6.12 on 52-bit VA with LPA2 (QEMU's -cpu max): every kexec_load of a normal
# image oopses the running kernel while it copies the linear map for the jump. Crash
# images are loaded in place and copy nothing.
LPA2_OOPS = KnownFailure(
    ("upstream",), ("chain", "replace-unload", "failed-load", "selftests"),
    (re.compile(r"Unable to handle kernel paging request at virtual address ffffffffc0000000"),
     re.compile(r"\btrans_pgd_create_copy\+")),
    "upstream 6.12's known LPA2 failure (pinned)")


FLAVOURS = {
    "plain": Flavour(),
    # quiet keeps KERN_WARNING off the console, and WARN() and lockdep report at that
    # level; the detectors make everything several times slower under TCG.
    "debug": Flavour("loglevel=5", 4.0, True),
    # Lockdown, IMA and signed kexec_file_load (kexec-secure.config); its bzImage is
    # signed with the test key that its trusted keyring holds.
    "secure": Flavour(),
    # What Debian's config turns on around kexec (kexec-distro.config). -cpu max has
    # la57: every kernel of the run, kexec'd ones too, must page with five levels.
    "distro": Flavour("kx.paging=5"),
    # The same kernel started by UEFI firmware through its EFI stub: each kexec'd
    # kernel must find EFI again, from what the loader handed over.
    "distro-efi": Flavour("kx.paging=5 kx.firmware=efi", 1.5, kernel="distro",
                          qemu=("-bios", OVMF)),
    # arm64 (kexec-arm64.config: 4K pages, 48-bit VA) on QEMU's virt machine, and with
    # 52-bit VA and LPA2 (kexec-arm64-52.config). Emulating arm64 takes about twice as
    # long as x86. Run with --flavour or --arch arm64, never by default.
    # loglevel=5 on arm64-52: an oops's registers and call trace (KERN_DEFAULT) reach the
    # console, where the pinned failure's function shows.
    "arm64": Flavour(timeout_scale=2.0),
    "arm64-52": Flavour("loglevel=5", timeout_scale=2.0, known=(LPA2_OOPS,)),
    # The arm64 kernel started at EL2 (QEMU's virtualization=on), without VHE, as it is
    # where the CPU has none or nothing asks for it: every jump goes back to EL2 through
    # an hvc, the normal one after KVM (when there is one) gave EL2 back to the hyp stub,
    # the crash one from whatever holds EL2.
    "arm64-el2": Flavour("kx.el=2", 2.0, kernel="arm64", qemu=("-M", "virtualization=on")),
}

# Every kx.NAME= word of a guest's command line: what it means to the guest scripts
# (scripts/guest, which read it with "arg NAME"). The host sets them in scenarios and
# flavours; some are set by one guest generation for the next. SelfTest.test_keys holds
# this list and the scripts to each other.
GUEST_KEYS = {
    "scenario": "the scenario booted (host); /init runs scripts/guest/<script>.sh",
    "script": "the guest script, where a scenario shares another's (default: scenario)",
    "impl": "kx or upstream: what the selftests and guest scripts expect (host)",
    "sum": "sha256 of the initrd, checked against /sys/firmware/initrd (host, loaders)",
    "gens": "chain: how many generations to boot",
    "gen": "chain, layouts: this generation's number (set by the generation before)",
    "nonce": "chain: the random word a generation hands to the next; kdump: the "
             "marker's, to the crash kernel",
    "phase": "which part of a two-kernel script runs: capture, booted, crashed, rebooted",
    "tag": "failed-load, faults, replace-unload: the image that was meant to boot",
    "syscall": "file: load through kexec_file_load (kexec -s), else kexec_load",
    "initrd_mib": "bench-jump: the size of the initrd the guest makes for the next kernel",
    "pad": "bench-jump: the size of the padding file that initrd carries, checked there",
    "crash": "kdump: how the kernel crashes (sysrq, oops-kthread, panic-all-cpus, "
             "write-region)",
    "cpus": "kdump: CPUs the crashed kernel had online, one register note each",
    "reload": "kdump-reload: which failing crash reloads (checks, signatures)",
    "claim": "memmap: what claims the reserved RAM (reserved, persistent)",
    "probes": "chain, memmap: the destination-rule selftest must find such a page "
              "(claimed, hidden)",
    "bits": "selftests: 32 runs the -m32 build (the compat entry)",
    "order": "selftests: the list of programs to run (run-order, run-order-disabled)",
    "paging": "5: every kernel must page with five levels (distro flavours)",
    "firmware": "efi: every kernel must find EFI (distro-efi flavour)",
    "el": "2: every kernel must have started at EL2 (arm64-el2 flavour)",
    "seed": "fuzz, faults, layouts: the random seed",
    "count": "fuzz: how many calls",
    "time": "fuzz, race: seconds to run",
    "rounds": "faults, bench-load, bench-crash: rounds",
    "verbose": "fuzz: 1 prints every call",
    "layouts": "layouts: how many layouts to boot",
    "layout": "layouts: the seed of the layout this generation came up with",
    "bug": "detectors: the bug the test module commits (leak, use-after-free, "
           "lock-inversion)",
    "break": "a deliberately broken run (skip-kexec), to see a scenario fail",
    "sizes": "bench-load: MiB sizes to load",
    "crash_sizes": "bench-crash: MiB sizes to load as crash images",
}

# What the splat judge looks for, in the order a console line is classified.
SPLATS = [
    ("KASAN", re.compile(r"BUG: KASAN: .*")),
    ("UBSAN", re.compile(r"UBSAN: .*")),
    ("lockdep", re.compile(r"WARNING: (possible (circular|recursive) locking|inconsistent lock"
                           r"|bad unlock balance|suspicious RCU usage|held lock freed"
                           r"|lock held when returning|possible irq lock inversion).*")),
    ("BUG", re.compile(r"BUG: .*")),
    ("WARNING", re.compile(r"WARNING: .*")),
    ("Oops", re.compile(r"(Oops: |general protection fault).*")),
    ("kmemleak", re.compile(r"unreferenced object 0x.*|kmemleak: .*disabled.*")),
]
LEAK_SCAN = re.compile(r"^KX: kmemleak scan: (\d+) unreferenced objects")


@dataclass
class Splat:
    detector: str
    quote: str


def find_splats(lines, allowed=()):
    """Every detector report in LINES, quoted by its first two lines; ALLOWED are patterns
    of reports a scenario causes on purpose (an oops that boots the crash kernel)."""
    splats = []
    for i, line in enumerate(lines):
        for detector, pattern in SPLATS:
            found = pattern.search(line)
            if found:
                if not any(re.search(a, line) for a in allowed):
                    following = lines[i + 1].strip() if i + 1 < len(lines) else ""
                    splats.append(Splat(detector, f"{found.group(0).strip()} | {following}"))
                break
    return splats


def judge_splats(run, allowed=()):
    """(passed, reason) of the splat judge: no report, and a kmemleak scan that ran."""
    splats = find_splats(run.boot.lines, allowed)
    if splats:
        kinds = sorted({s.detector for s in splats})
        return False, (f"{len(splats)} report(s) from {', '.join(kinds)}; first: "
                       f"{splats[0].detector}: {splats[0].quote}")
    if not any(LEAK_SCAN.match(line) for line in run.boot.lines):
        return False, "no kmemleak scan reached the console"
    return True, "no detector report, kmemleak scan clean"


@dataclass
class Case:
    name: str
    passed: bool
    seconds: float | None  # None for a case inside a boot (a selftest): not timed alone
    reason: str = ""


def pin_known_failure(run, known, cases):
    """The one row of a scenario whose failure is KNOWN, in place of CASES (its verdict):
    passed only while the console shows that failure, saying so; else failed, with what
    the run gave instead."""
    found = [next((line.strip() for line in run.boot.lines if p.search(line)), None)
             for p in known.patterns]
    if all(found):
        return [Case(run.scenario, True, run.boot.seconds, f"{known.reason}: {found[0]}")]
    failed = [c for c in cases if not c.passed]
    got = (f"{len(failed)} of {len(cases)} rows failed, first {failed[0].name}: "
           f"{failed[0].reason}" if failed else f"all {len(cases)} rows passed")
    missing = ", ".join(p.pattern for p, line in zip(known.patterns, found) if not line)
    return [Case(run.scenario, False, run.boot.seconds,
                 f"not {known.reason}: no console line matches {missing}; the run: {got}")]


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


def verify_trace(run, args):
    """The traced jump: its event and kx's last line give the counts the load's end
    event gave, and the new kernel came up. Upstream has neither (the guest pins it)."""
    passed, reason = verify_booted(run, args)
    if not passed or args.impl == "upstream":
        return passed, reason
    text = "\n".join(run.boot.lines)
    load = re.search(r"KX: trace load \d+ segments crash=0 err=0 pages=(\d+) in_place=(\d+)",
                     text)
    event = re.search(r"kexec_jump: pages=(\d+) in_place=(\d+) to_copy=(\d+)", text)
    line = re.search(r"kexec: jump: (\d+) pages, (\d+) in place, (\d+) to copy", text)
    if not (load and event and line):
        return False, "missing: " + ", ".join(name for name, m in (
            ("the load's end event", load), ("the kexec_jump event", event),
            ("kx's jump line", line)) if not m)
    pages, in_place = load.groups()
    to_copy = str(int(pages) - int(in_place))
    if event.groups() != (pages, in_place, to_copy) or line.groups() != event.groups():
        return False, (f"the load ended with {pages} pages, {in_place} in place; the jump "
                       f"event says {event.groups()}, its line {line.groups()}")
    return True, f"{reason}; jump: {pages} pages, {in_place} in place"


def verify_layouts(run, _args):
    """Layouts 1..K came up in order, each with the layout its parent announced."""
    execs = re.findall(r"layouts exec seed=(\d+) segments=(\d+)", "\n".join(run.kx_lines()))
    booted = re.findall(r"layouts booted gen=(\d+) seed=(\d+)", "\n".join(run.kx_lines()))
    for gen, (got, seed) in enumerate(booted, start=1):
        if int(got) != gen:
            return False, f"layout {got} came up where {gen} was expected"
        if gen > len(execs) or execs[gen - 1][0] != seed:
            return False, f"layout {gen} came up with seed {seed}, not the one exec'd"
    passed, reason = run.guest_result()
    if passed:
        segments = ", ".join(count for _, count in execs)
        reason = f"{reason}; segments per layout: {segments}"
    return passed, reason


def verify_kdump(run, _args):
    """The crashed kernel's log, read out of the dump on the host, holds the marker."""
    lines = run.kx_lines()
    markers = [line.split()[-1] for line in lines if line.startswith("kdump marker")]
    crashes = [i for i, line in enumerate(lines) if line.startswith("kdump crash")]
    # The guest's crash line can come out mixed with the panic's own lines, which the
    # kernel writes to the serial port at that moment; the capture's line then shows that
    # the crash kernel came up.
    captured = any(line.startswith("kdump capture") for line in lines)
    if markers and not captured and (not crashes or crashes[-1] == len(lines) - 1):
        return False, "the crash kernel never came up after the crash"
    ok, reason = run.guest_result()
    if not ok:
        return ok, reason
    if not markers:
        return False, "the guest never wrote its marker"
    if any(UNREADABLE_DUMP in line for line in lines):
        return verify_kdump_scan(run, markers[-1])
    dump, dmesg = run.directory / "vmcore.kdump", run.directory / "dmesg.txt"
    for path in (dump, dmesg):
        path.unlink(missing_ok=True)
    with open(run.directory / "disk.img", "rb") as disk:
        step = subprocess.run(["makedumpfile", "-R", str(dump)], stdin=disk,
                              capture_output=True, text=True, check=False)
    if step.returncode != 0:
        return False, f"makedumpfile -R failed: {step.stderr.strip()[-200:]}"
    machine = dump_machine(dump)
    if machine != platform.machine():
        # The host's makedumpfile reads the kernel structures of its own architecture
        # only: the marker is looked for in the dump's pages, where the log keeps it.
        if not dump_holds(dump, markers[-1].encode()):
            return False, f"marker {markers[-1]} is in no page of the {machine} dump"
        return True, (f"marker found in the {machine} dump's pages "
                      f"({dump.stat().st_size >> 10} KiB)")
    step = subprocess.run(["makedumpfile", "--dump-dmesg", str(dump), str(dmesg)],
                          capture_output=True, text=True, check=False)
    if step.returncode != 0:
        return False, f"makedumpfile --dump-dmesg failed: {step.stderr.strip()[-200:]}"
    if markers[-1] not in dmesg.read_text(errors="replace"):
        return False, f"marker {markers[-1]} is not in the log read from the dump"
    return True, f"marker found in the dump ({dump.stat().st_size >> 10} KiB)"


# makedumpfile's kdump-compressed format (diskdump_mod.h): a header block (signature,
# version, the crashed kernel's utsname at 12, its fields 65 bytes each; block size,
# sub-header blocks and bitmap blocks at 428), then the sub-header, the bitmaps, and one
# page descriptor (offset, size, flags, page flags: 24 bytes) for each page dumped, which
# the pages' data follows.
KDUMP_MACHINE = 12 + 4 * 65
KDUMP_BLOCKS = 428
KDUMP_ZLIB = 1


def dump_machine(dump):
    """The machine (uname -m) of the kernel that a kdump-compressed DUMP was taken of."""
    with open(dump, "rb") as data:
        head = data.read(KDUMP_MACHINE + 65)
    return head[KDUMP_MACHINE:].split(b"\0")[0].decode(errors="replace")


def dump_holds(dump, needle):
    """Whether a page of the kdump-compressed DUMP holds NEEDLE (zlib pages, -c, read
    back; a needle across two pages in a row is found too)."""
    with open(dump, "rb") as data:
        block, sub_blocks, bitmap_blocks = struct.unpack_from(
            "<iiI", data.read(KDUMP_BLOCKS + 12), KDUMP_BLOCKS)
        start = (1 + sub_blocks + bitmap_blocks) * block
        data.seek(start)
        first_page = struct.unpack("<q", data.read(8))[0]
        data.seek(start)
        descriptors = data.read((first_page - start) // 24 * 24)
        tail = b""
        for offset, size, flags, _ in struct.iter_unpack("<qIIQ", descriptors):
            data.seek(offset)
            page = data.read(size)
            page = zlib.decompress(page) if flags & KDUMP_ZLIB else page
            if needle in tail + page:
                return True
            tail = page[-len(needle):]
    return False


# Debian 12's makedumpfile (1.7.2) reads no arm64 dump of 4K pages with 52-bit VA (its
# calculate_plat_config() gives up, on either implementation's dump): on that message alone,
# the crash kernel looks for the marker in every PT_LOAD of /proc/vmcore itself
# (scripts/guest/kdump.sh, kexec_vmcore_find any) and writes no dump for the host.
UNREADABLE_DUMP = "kdump makedumpfile cannot read this dump"
MAKEDUMPFILE_VA52 = "calculate_plat_config: PAGE SIZE 0x1000 and VA Bits 52 not supported"
VMCORE_FOUND = re.compile(r'^vmcore find "(\S+)" at (0x[0-9a-f]+) \(PT_LOAD \d+\)$')


def verify_kdump_scan(run, marker):
    """The crash kernel's own scan of /proc/vmcore found MARKER, where makedumpfile
    could not read the dump for 52-bit VA and nothing else."""
    if not any(MAKEDUMPFILE_VA52 in line for line in run.boot.lines):
        return False, "makedumpfile gave up for another reason than 52-bit VA"
    found = [m for m in (VMCORE_FOUND.match(line.strip()) for line in run.kx_lines()) if m]
    if not found or found[-1].group(1) != marker:
        return False, f"the crash kernel's scan of /proc/vmcore did not find {marker}"
    return True, (f"marker found in /proc/vmcore at {found[-1].group(2)} by the crash "
                  "kernel (makedumpfile 1.7.2 cannot read 52-bit VA)")


def verify_kdump_protect(run, args):
    """kdump, after the test module wrote over the loaded crash region: at most the one
    page the jump itself rewrites (the control page) may have taken the writes."""
    written = [m for m in map(REGION_WRITES.search, run.boot.lines) if m]
    if not written:
        return False, "the test module never said how many region pages took its writes"
    took, pages = int(written[-1].group(1)), int(written[-1].group(2))
    if took > 1:
        return False, f"{took} of {pages} pages of the armed crash region took the writes"
    passed, reason = verify_kdump(run, args)
    return passed, f"{reason}; {took} of {pages} region pages writable" if passed else reason


def verify_kdump_reload(run, args):
    """The failed crash reloads (selftest rows), then: on kx, the crash kernel armed
    before them saves the dump; on upstream, which disarms it, the guest's check."""
    cases = selftest_rows(run)
    passed, reason = verify_kdump(run, args) if args.impl == "kx" else run.guest_result()
    return cases + [Case(run.scenario, passed and bool(cases), run.boot.seconds,
                         reason if cases else "no selftest results")]


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


def selftest_rows(run):
    """One Case per TAP result of every program between its begin and end lines."""
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
    return cases


def verify_selftests(run, args):
    """Every selftest case, and the boot: the guest's verdict, through kexec -e if it went."""
    cases = selftest_rows(run)
    passed, reason = verify_booted(run, args)
    cases.append(Case(f"{run.scenario} (the boot)", passed and bool(cases), run.boot.seconds,
                      reason if cases else "no results"))
    return cases


def with_selftest_rows(verify):
    """VERIFY's verdict on the boot, after a row per selftest case the boot ran."""
    def verify_with_rows(run, args):
        passed, reason = verify(run, args)
        return selftest_rows(run) + [Case(run.scenario, passed, run.boot.seconds, reason)]
    return verify_with_rows


def rows_named(verify, prefix):
    """VERIFY, with its rows renamed PREFIX:row: a scenario that runs another's program."""
    def renamed(run, args):
        cases = verify(run, args)
        for case in cases:
            if case.seconds is None:
                case.name = f"{prefix}:{case.name}"
        return cases
    return renamed


def verify_kunit(run, args):
    """One case per KUnit test case in the KTAP that kunit.sh copied from the kernel log.

    A SKIP fails, so does a suite or top-level plan left unfulfilled, and on kx a run
    without any kexec* suite; a console that dropped KTAP lines fails too.
    """
    lines = [line[len(KTAP_LINE):] for line in run.boot.lines if line.startswith(KTAP_LINE)]
    ends = [int(m.group(1)) for m in map(KUNIT_END.match, run.boot.lines) if m]
    cases = []
    if ends and ends[-1] != len(lines):
        cases.append(Case("kunit: the console", False, None,
                          f"{len(lines)} of the guest's {ends[-1]} KTAP lines arrived"))
    if lines or ends:
        rows, suites = ktap.kunit_results(lines)
        cases += [Case(name, passed, None, reason) for name, passed, reason in rows]
        if not suites:
            # Upstream has no kexec* suites: nothing to run is what it should report.
            cases.append(Case("kunit", args.impl != "kx", None,
                              f"no KUnit suite matches kunit.filter_glob={KUNIT_FILTER}"
                              + (" (are the kexec KUnit suites built in?)"
                                 if args.impl == "kx" else ", as expected on upstream")))
    passed, reason = run.guest_result()
    cases.append(Case(f"{run.scenario} (the boot)", passed, run.boot.seconds, reason))
    return cases


def verify_detector(detector):
    """The detectors scenarios: the run must fail the splat judge, through DETECTOR only."""
    def verify(run, _args):
        passed, reason = run.guest_result()
        if not passed:
            return False, f"the guest did not commit its bug: {reason}"
        splats = find_splats(run.boot.lines)
        kinds = {s.detector for s in splats}
        if kinds != {detector}:
            return False, (f"expected a {detector} report and no other, got "
                           f"{', '.join(sorted(kinds)) or 'none'}"
                           + (f" (first: {splats[0].quote})" if splats else ""))
        return True, f"the judge failed it: {detector}: {splats[0].quote}"
    return verify


def plug_memory(line, monitor):
    """The host's part of kdump-hotplug: when the guest asks, a 512 MiB DIMM goes in."""
    if "KX: hotplug add-memory" not in line:
        return
    answer = qemu.monitor(monitor, ["object_add memory-backend-ram,id=hp0,size=512M",
                                    "device_add pc-dimm,id=dimm0,memdev=hp0"])
    errors = [said for said in answer.splitlines() if "rror" in said]
    print(f"   monitor: {errors[0] if errors else 'a 512 MiB DIMM plugged in'}", flush=True)


@dataclass
class Scenario:
    append: str
    timeout: float
    verify: object
    disk_mib: int = 0
    default_for: tuple = ("kx", "upstream")  # the implementations it runs for by default
    flavours: tuple = ("plain",)  # the flavours it runs on by default
    only: tuple = ("plain", "debug", "distro", "distro-efi")  # where it can run at all
    allowed_splats: tuple = ()  # reports the scenario causes on purpose
    judged: bool = True  # False: the verdict is about the judge itself
    memory: str = "2048"  # QEMU's -m
    react: object = None  # react(line, monitor socket): the host's part, on console lines


# The oops of the kdump-oops scenarios: a NULL dereference in the test module's thread.
OOPS_ON_PURPOSE = (r"BUG: kernel NULL pointer dereference", r"Oops: ")

# Plain, and where distributions run it: Debian's options, booted by BIOS and by UEFI.
DISTRO = ("plain", "distro", "distro-efi")
SCENARIOS = {
    "chain": Scenario("kx.gens={gens}", 90, verify_chain, flavours=DISTRO),
    # kexec_file_load (kexec -s): the kernel lays the image out itself, on our core, with
    # its purgatory relocated by our x86 code; for kdump, the ELF core header and memory
    # map the crash kernel reads are ours too.
    "chain-file": Scenario("kx.script=chain kx.gens={gens} kx.syscall=file", 90, verify_chain),
    "kdump-file": Scenario("kx.script=kdump crashkernel=256M kx.syscall=file", 180, verify_kdump,
                           disk_mib=512),
    "replace-unload": Scenario("", 120, verify_booted),
    # The kexec trace events of a load, read back in the guest, and of the jump, on the
    # console (tp_printk); upstream 6.12 has none.
    "trace": Scenario("trace_event=kexec:kexec_jump tp_printk", 120, verify_trace),
    # RAM that this kernel does not use (mem=) is a destination: kexec-tools reads the
    # firmware's memory map, and puts the initrd near 2 GiB. RAM that the command line
    # claims (memmap=) is not, on ours: upstream loads over it.
    # Each first runs the selftest of the rule (kexec_load_test), which must find such RAM.
    "mem-limit": Scenario("kx.script=chain kx.gens={gens} kx.probes=hidden mem=1536M", 90,
                          with_selftest_rows(verify_chain)),
    "memmap-reserved": Scenario("kx.script=memmap kx.claim=reserved memmap=256M$1792M", 90,
                                verify_selftests),
    "memmap-pmem": Scenario("kx.script=memmap kx.claim=persistent memmap=256M!1792M", 90,
                            verify_selftests),
    "failed-load": Scenario("", 120, verify_selftests),
    "kdump": Scenario("crashkernel=256M", 180, verify_kdump, disk_mib=512, flavours=DISTRO),
    "kdump-oops": Scenario("kx.script=kdump crashkernel=256M oops=panic kx.crash=oops-kthread", 180,
                           verify_kdump, disk_mib=512, allowed_splats=OOPS_ON_PURPOSE),
    # panic() runs its notifiers, stops the other CPUs, then boots the crash kernel;
    # the oops path leaves it to panic().
    "kdump-notifiers": Scenario("kx.script=kdump crashkernel=256M oops=panic crash_kexec_post_notifiers "
                                "kx.crash=oops-kthread", 180, verify_kdump, disk_mib=512,
                                allowed_splats=OOPS_ON_PURPOSE),
    "kdump-smp": Scenario("kx.script=kdump crashkernel=256M kx.crash=panic-all-cpus", 180, verify_kdump,
                          disk_mib=512),
    "kdump-protect": Scenario("kx.script=kdump crashkernel=256M kx.crash=write-region", 180,
                              verify_kdump_protect, disk_mib=512),
    "kdump-reload": Scenario("crashkernel=256M", 180, verify_kdump_reload, disk_mib=512),
    "selftests": Scenario("crashkernel=128M", 600, verify_selftests,
                          flavours=("debug",) + DISTRO),
    # The same programs built 32-bit: every case through the compat entry.
    "selftests-compat": Scenario("kx.script=selftests kx.bits=32 crashkernel=128M", 600,
                                 rows_named(verify_selftests, "compat"),
                                 flavours=("distro",), only=("distro", "distro-efi")),
    "selftests-disabled": Scenario("crashkernel=128M kx.order=run-order-disabled", 180,
                                   verify_selftests),
    # Robustness: loads of real size under fault injection (debug flavour only: the
    # fault attributes live in its debugfs), then the image loaded before them boots.
    "faults": Scenario("crashkernel=256M kx.seed=1 kx.rounds=4", 300, verify_selftests,
                       flavours=("debug",), only=("debug",)),
    # A fixed seed: the same calls on every run, and on both implementations.
    "fuzz": Scenario("crashkernel=128M kx.seed=1 kx.count=20000 kx.time=60", 240,
                     verify_selftests, flavours=("plain", "debug")),
    "race": Scenario("crashkernel=128M kx.time=20", 180, verify_selftests,
                     flavours=("plain", "debug")),
    # A loader of our own cuts the kernel and initrd into random segments, boots them.
    "layouts": Scenario("kx.layouts=3 kx.seed=1", 180, verify_layouts,
                        flavours=("plain", "debug")),
    # Large loads killed part way through; the kill latency is a figure in the log.
    "kill": Scenario("crashkernel=256M", 240, verify_selftests, flavours=("plain", "debug")),
    # The KUnit suites test our implementation's internal functions, which upstream's
    # tree does not have: upstream has no kexec* suite to run, so it runs this scenario
    # only when asked to by name.
    "kunit": Scenario(f"kunit.filter_glob={KUNIT_FILTER}", 180, verify_kunit,
                      default_for=("kx",), flavours=("plain", "debug")),
}
# The arm64 flavours run these, by default (--flavour arm64 or arm64-52, --arch arm64):
# the x86 ones left out read the firmware's memory map (/sys/firmware/memmap, memmap=),
# boot an x86 bzImage of their own (layouts), or need a debug, secure or distro build.
ARM64 = ("arm64", "arm64-52")
for _name in ("chain", "replace-unload", "failed-load", "kdump", "selftests", "kunit"):
    SCENARIOS[_name].flavours += ARM64
    SCENARIOS[_name].only += ARM64
# At EL2, the two ways out: kexec -e and the panic.
for _name in ("chain", "kdump"):
    SCENARIOS[_name].flavours += ("arm64-el2",)
    SCENARIOS[_name].only += ("arm64-el2",)

# Memory and a CPU come and go under an armed crash kernel (distro flavour: memory and CPU
# hotplug); the dump must cover memory that did not exist when the crash kernel was
# loaded. With kexec_file_load the kernel rewrites the crash kernel's core header; with
# kexec_load (kexec-tools 2.0.25 cannot ask for that) the guest reloads it, as udev would.
HOTPLUG = {"disk_mib": 512, "memory": "2048,slots=2,maxmem=4G", "react": plug_memory,
           "flavours": ("distro",), "only": ("distro", "distro-efi")}
SCENARIOS.update({
    "kdump-hotplug": Scenario("kx.script=kdump-hotplug kx.syscall=file crashkernel=256M", 180,
                              verify_kdump, **HOTPLUG),
    "kdump-hotplug-reload": Scenario("kx.script=kdump-hotplug crashkernel=256M", 180,
                                     verify_kdump, **HOTPLUG),
})
# Secure Boot's rules (the secure flavour): kexec_secure.c says what each case pins.
SECURE = {"flavours": ("secure",), "only": ("secure",)}
SCENARIOS.update({
    # kexec_load refused, unloads through it (ours) and kexec_file_load's signature checks.
    "lockdown": Scenario("lockdown=integrity crashkernel=256M", 180, verify_selftests, **SECURE),
    "lockdown-confidentiality": Scenario(
        "kx.script=lockdown lockdown=confidentiality crashkernel=256M", 180,
        rows_named(verify_selftests, "confidentiality"), **SECURE),
    # Generation after generation through kexec -s of the signed kernel, each locked down.
    "lockdown-chain": Scenario("kx.script=chain kx.gens={gens} kx.syscall=file lockdown=integrity",
                               90, verify_chain, **SECURE),
    "lockdown-kdump": Scenario("kx.script=kdump kx.syscall=file lockdown=integrity crashkernel=256M",
                               180, verify_kdump, disk_mib=512, **SECURE),
    # Crash reloads through kexec_file_load that fail (signature, format, room), then a
    # panic: ours saves the dump with the crash kernel armed before them.
    "lockdown-reload": Scenario("kx.script=kdump-reload kx.reload=signatures kx.syscall=file "
                                "lockdown=integrity crashkernel=256M", 180, verify_kdump_reload,
                                disk_mib=512, **SECURE),
    # IMA appraising kexec images: kexec_load refused with its errno.
    "lsm": Scenario("crashkernel=256M", 120, verify_selftests, **SECURE),
})

# The judge must be seen to fail: each run commits one bug (the test module) that one
# detector of the debug flavour must report.
for _bug, _detector in [("leak", "kmemleak"), ("use-after-free", "KASAN"),
                        ("lock-inversion", "lockdep")]:
    SCENARIOS[f"detect-{_bug}"] = Scenario(
        f"kx.script=detectors kx.bug={_bug}", 120, verify_detector(_detector),
        flavours=("debug",), only=("debug",), judged=False)



@dataclass
class HostCheck:
    """A check run on the host, in no guest: one row, passed when its command exits 0."""
    command: tuple  # run from the top of the repository
    timeout: float


# The kernel's gates on the series we ship, and the series applied to a pristine base
# tree (scripts/lint.sh, scripts/series.py). They judge this repository's overlay and the
# patches exported from it, which the upstream tree does not have: they run for kx only,
# after the guest scenarios (sparse reads the plain kernel's objects).
LINT_GATES = ("style", "series", "kernel-doc", "sparse", "docs", "scripts")
HOST_CHECKS = {f"lint-{gate}": HostCheck(("scripts/lint.sh", gate), 900)
               for gate in LINT_GATES}
HOST_CHECKS.update({
    "series-am": HostCheck(("scripts/series.py", "check", "am"), 900),
    # quilt push, a build of the test config before the first patch and after each.
    "series-bisect": HostCheck(("scripts/series.py", "check", "bisect"), 3600),
})


def run_host_check(name, impl):
    """Run host check NAME; its output goes to build/<impl>/host/NAME.log."""
    spec = HOST_CHECKS[name]
    log = BUILD / impl / "host" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"== {name} (host)", flush=True)
    start = time.monotonic()
    try:
        res = subprocess.run(spec.command, cwd=TOP, text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=spec.timeout)
        output, passed = res.stdout, res.returncode == 0
        reason = f"exit status {res.returncode}"
    except subprocess.TimeoutExpired as err:
        output, passed = err.stdout or "", False
        output = output.decode() if isinstance(output, bytes) else output
        reason = f"timed out after {spec.timeout:.0f} s"
    log.write_text(output)
    lines = [line for line in output.splitlines() if line.strip()]
    if passed:
        reason = lines[-1] if lines else "no output"
    else:
        print(f"   FAIL {name}: {reason}; last lines ({log.relative_to(TOP)}):")
        for line in lines[-15:]:
            print(f"   | {line}")
    return Case(name, passed, time.monotonic() - start, reason)

def build(impl, pad, flavour="plain"):
    """Kernel, selftests and initramfs of IMPL's kernel build FLAVOUR (each rebuilt only
    when its inputs changed); the selftests for the build's architecture."""
    arch = build_arch(flavour)
    kernel = subprocess.run([TOP / "scripts/kernel.sh", impl, flavour], check=True,
                            stdout=subprocess.PIPE, text=True).stdout.split()[-1]
    subprocess.run([TOP / "scripts/test-module.sh", impl, flavour], check=True,
                   stdout=subprocess.DEVNULL)
    if (TOP / "scripts/selftests.sh").exists():
        subprocess.run([TOP / "scripts/selftests.sh", *([arch] if arch != "x86_64" else [])],
                       check=True, stdout=subprocess.DEVNULL)
    initrd = subprocess.run([TOP / "scripts/initramfs.sh", impl, str(pad), flavour],
                            check=True, stdout=subprocess.PIPE, text=True).stdout.split()[-1]
    return kernel, initrd


def sha256(path):
    return subprocess.run(["sha256sum", path], check=True, stdout=subprocess.PIPE,
                          text=True).stdout.split()[0]


def runs_dir(impl, flavour):
    return BUILD / impl / ("runs" if flavour == "plain" else f"runs-{flavour}")


def boot_scenario(name, impl, kernel, initrd, append="", timeout=120, disk_mib=0,
                  memory=2048, echo=True, prealloc=False, flavour="plain", options=(),
                  react=None, retain_initrd=True, arch="x86_64"):
    """Boot KERNEL once with kx.scenario=NAME; the console lands in build/IMPL/runs/NAME
    (runs-FLAVOUR/NAME for another flavour than plain). ARCH is the kernel's
    architecture (qemu.MACHINES). OPTIONS are more QEMU options;
    REACT(line, monitor socket), where given, sees every console line as it arrives.
    Without RETAIN_INITRD the guest frees its initrd once unpacked, as booted machines
    do, and cannot hand it on."""
    directory = runs_dir(impl, flavour) / name
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
    monitor = directory / "monitor.sock"
    command = qemu.qemu_command(kernel, initrd, append, disk, memory, prealloc=prealloc,
                                extra=options, monitor=monitor if react else None,
                                retain_initrd=retain_initrd, arch=arch)
    boot = qemu.Boot(command, directory / "console.log", echo=show,
                     react=(lambda line: react(line, monitor)) if react else None)
    boot = boot.run(timeout)
    return Run(name, boot, directory, timeout)


def run_scenario(name, flavour, args, kernel, initrd):
    """Boot scenario NAME once on FLAVOUR and judge it."""
    spec, kind = SCENARIOS[name], FLAVOURS[flavour]
    chain = spec.verify is verify_chain
    timeout = ((spec.timeout + (40 * args.gens if chain else 0)) * args.timeout_scale
               * kind.timeout_scale)
    label = name if flavour == "plain" else f"{flavour}:{name}"
    print(f"== {label} ({args.impl})", flush=True)
    append = " ".join(filter(None, [spec.append.format(gens=args.gens), kind.append,
                                    args.append]))
    run = boot_scenario(name, args.impl, kernel, initrd, append, timeout, spec.disk_mib,
                        spec.memory, flavour=flavour, options=kind.qemu,
                        react=spec.react, arch=kind.arch(flavour))
    verdict = spec.verify(run, args)
    cases = verdict if isinstance(verdict, list) else [
        Case(name, verdict[0], run.boot.seconds, verdict[1])]
    known = kind.known_failure(args.impl, name)
    if known:
        cases = pin_known_failure(run, known, cases)
    if kind.judged and spec.judged:
        passed, reason = judge_splats(run, spec.allowed_splats)
        cases.append(Case(f"{name} (detectors)", passed, None, reason))
    if flavour != "plain":
        for case in cases:
            case.name = f"{flavour}:{case.name}"
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
    parser.add_argument("--flavour", choices=list(FLAVOURS),
                        help="the kernel flavour (default: each scenario's own)")
    parser.add_argument("--arch", choices=sorted({kind.arch(name)
                                                  for name, kind in FLAVOURS.items()}),
                        help="every flavour of that architecture (default: x86_64's)")
    parser.add_argument("--gens", type=int, default=5, help="chain generations")
    parser.add_argument("--pad", type=int, default=0, help="MiB of padding in the initrd")
    parser.add_argument("--append", default="", help="extra kernel command line words")
    parser.add_argument("--timeout-scale", type=float, default=1.0)
    parser.add_argument("--self-test", action="store_true",
                        help="check the KTAP reading on sample consoles, boot nothing")
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO")
    args = parser.parse_args()
    unknown = [s for s in args.scenarios if s not in SCENARIOS and s not in HOST_CHECKS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)} "
                     f"(known: {' '.join(SCENARIOS)} {' '.join(HOST_CHECKS)})")
    if args.gens < 1:
        parser.error("--gens must be at least 1")
    if args.flavour and args.arch and FLAVOURS[args.flavour].arch(args.flavour) != args.arch:
        parser.error(f"the {args.flavour} flavour is not for {args.arch}")
    if args.scenarios:
        arch_flavours = [name for name in FLAVOURS if args.arch and
                         FLAVOURS[name].arch(name) == args.arch]

        def flavour_of(name):
            if name in HOST_CHECKS:
                return None
            only = SCENARIOS[name].only
            if args.flavour:
                return args.flavour
            if arch_flavours:
                return next((f for f in arch_flavours if f in only), arch_flavours[0])
            return "plain" if "plain" in only else only[0]
        args.runs = [(name, flavour_of(name)) for name in args.scenarios]
        wrong = [name for name, flavour in args.runs
                 if flavour and flavour not in SCENARIOS[name].only]
        if wrong:
            parser.error(f"{', '.join(wrong)} run only on the "
                         f"{' or '.join(SCENARIOS[wrong[0]].only)} flavour (--flavour)")
    else:
        args.runs = default_runs(args.impl, args.flavour, args.arch or "x86_64")
    return args


def default_scenarios(impl, flavour="plain"):
    return [name for name, spec in SCENARIOS.items()
            if impl in spec.default_for and flavour in spec.flavours]


def default_runs(impl, flavour=None, arch="x86_64"):
    """(scenario, flavour) pairs: the defaults of every flavour of ARCH, plain first, or
    one flavour's; with every flavour of x86_64, kx's host checks last (flavour None)."""
    kinds = [flavour] if flavour else [name for name, kind in FLAVOURS.items()
                                       if kind.arch(name) == arch]
    runs = [(name, kind) for kind in kinds for name in default_scenarios(impl, kind)]
    if impl == "kx" and not flavour and arch == "x86_64":
        runs += [(name, None) for name in HOST_CHECKS]
    return runs


class SelfTest(unittest.TestCase):
    """The kunit scenario's verdict on sample consoles, without booting anything."""

    SAMPLE = TOP / "scripts/testdata/kunit-console.log"
    maxDiff = None

    @staticmethod
    def verdict(lines, impl="kx", timed_out=False):
        boot = qemu.Boot([], None)
        boot.lines, boot.timed_out, boot.returncode, boot.seconds = lines, timed_out, 0, 1.0
        cases = verify_kunit(Run("kunit", boot, BUILD, 180), argparse.Namespace(impl=impl))
        return {case.name: (case.passed, case.reason) for case in cases}

    def sample(self):
        return self.SAMPLE.read_text(encoding="utf-8").splitlines()

    def test_sample(self):
        """Passing, failing, skipped, parameterised cases; a short and a cut-off suite."""
        got = self.verdict(self.sample())
        self.assertEqual({name: passed for name, (passed, _) in got.items()}, {
            "kunit: kexec_segments.kexec_test_alignment": True,
            "kunit: kexec_segments.kexec_test_overlap": True,
            "kunit: kexec_segments.kexec_test_limits": True,
            "kunit: kexec_entries.kexec_test_entry_order": False,
            "kunit: kexec_entries.kexec_test_preserve_context": False,
            "kunit: kexec_entries.kexec_test_destinations": False,
            "kunit: kexec_entries.kexec_test_sizes": False,
            "kunit: kexec_alloc.kexec_test_alloc_one": True,
            "kunit: kexec_alloc.kexec_test_alloc_batch": True,
            "kunit: kexec_alloc": False,
            "kunit: kexec_init": False,
            "kunit: kexec_crash.kexec_test_crash_notes": True,
            "kunit: kexec_crash.kexec_test_crash_segments": False,
            "kunit: kexec_crash": False,
            "kunit (the boot)": True,
        })
        for name, reason in [
                ("kexec_segments.kexec_test_limits", "3 parameters"),
                ("kexec_entries.kexec_test_entry_order",
                 "not ok: EXPECTATION FAILED at kernel/kexec_test.c:211"),
                ("kexec_entries.kexec_test_preserve_context",
                 "skipped: needs CONFIG_KEXEC_JUMP"),
                ("kexec_entries.kexec_test_destinations", "not ok; parameter 'high' not ok: "
                 "ASSERTION FAILED at kernel/kexec_test.c:260"),
                ("kexec_entries.kexec_test_sizes", "parameter 'param-1' skipped: no highmem"),
                ("kexec_alloc", "2 of 4 planned cases reported"),
                ("kexec_init", "not ok: failed to initialize (-12)"),
                ("kexec_crash.kexec_test_crash_segments",
                 "no result: the log ends inside its parameters"),
                ("kexec_crash", "2 of 3 planned cases reported; "
                 "never finished: the log ends inside it")]:
            self.assertEqual(got[f"kunit: {name}"][1], reason)

    def test_suites_missing(self):
        """A top-level plan with suites missing fails."""
        got = self.verdict([line.replace("] 1..5", "] 1..6") for line in self.sample()])
        self.assertEqual(got["kunit: suites"], (False, "5 of 6 planned suites reported"))

    def test_lost_line(self):
        """A KTAP line the console lost fails, even where the KTAP still parses."""
        lines = self.sample()
        lines.remove(next(line for line in lines if "Freeing unused" in line))
        self.assertEqual(self.verdict(lines)["kunit: the console"],
                         (False, "63 of the guest's 64 KTAP lines arrived"))

    def test_no_suites(self):
        """No kexec* suite: a failure on kx, what upstream should say."""
        lines = ["KX: kunit begin", "KX-KTAP: [    0.917702] KTAP version 1",
                 "KX-KTAP: [    0.917790] 1..0", "KX: kunit end lines=2",
                 "KX: result kunit PASS 2 lines of KTAP"]
        kx, upstream = self.verdict(lines), self.verdict(lines, "upstream")
        self.assertFalse(kx["kunit"][0])
        self.assertIn("kunit.filter_glob=kexec*", kx["kunit"][1])
        self.assertTrue(upstream["kunit"][0])
        self.assertEqual(len(kx), 2)

    def test_no_ktap(self):
        """The guest found no KTAP, or never reported: the boot fails, saying why."""
        got = self.verdict(["KX: result kunit FAIL no KTAP in the kernel log"])
        self.assertEqual(got, {"kunit (the boot)": (False, "no KTAP in the kernel log")})
        got = self.verdict(["[    0.5] Kernel panic"], timed_out=True)
        self.assertEqual(got, {"kunit (the boot)": (False, "timed out after 180 s")})

    def test_defaults(self):
        """kunit runs by default on kx only."""
        self.assertIn("kunit", default_scenarios("kx"))
        self.assertNotIn("kunit", default_scenarios("upstream"))
        plain = [name for name, spec in SCENARIOS.items() if "plain" in spec.flavours]
        self.assertEqual(len(default_scenarios("upstream")), len(plain) - 1)


class KeysTest(unittest.TestCase):
    """GUEST_KEYS against the guest scripts."""

    def test_keys(self):
        """Every key a guest script reads is listed, and every listed key is read."""
        read = set()
        for script in (TOP / "scripts/guest").iterdir():
            read |= set(re.findall(r"\barg ([a-z_]+)", script.read_text(encoding="utf-8")))
        self.assertEqual(sorted(read - set(GUEST_KEYS)), [], "read but not listed")
        self.assertEqual(sorted(set(GUEST_KEYS) - read), [], "listed but never read")


class SplatJudgeTest(unittest.TestCase):
    """The debug flavour's judge on sample console lines, without booting anything."""

    SAMPLE = TOP / "scripts/testdata/splat-console.log"
    maxDiff = None

    @staticmethod
    def judge(lines, allowed=()):
        boot = qemu.Boot([], None)
        boot.lines, boot.timed_out, boot.returncode, boot.seconds = lines, False, 0, 1.0
        return judge_splats(Run("selftests", boot, BUILD, 60), allowed)

    def test_each_detector(self):
        """Each report is classified by the detector that wrote it, quoted with its next line."""
        lines = self.SAMPLE.read_text(encoding="utf-8").splitlines()
        self.assertEqual([(s.detector, s.quote.split(" | ")[0]) for s in find_splats(lines)], [
            ("KASAN", "BUG: KASAN: slab-use-after-free in kexec_crash_test_init+0x9e/0x1d0 "
                      "[kexec_crash_test]"),
            ("lockdep", "WARNING: possible circular locking dependency detected"),
            ("UBSAN", "UBSAN: shift-out-of-bounds in kernel/kexec_core.c:42:7"),
            ("BUG", "BUG: sleeping function called from invalid context at mm/slub.c:4119"),
            ("WARNING", "WARNING: CPU: 1 PID: 74 at kernel/kexec_core.c:120 kimage_free+0x4/0x9"),
            ("Oops", "Oops: general protection fault, probably for non-canonical address "
                     "0xdffffc0000000001: 0000 [#1] SMP KASAN"),
            ("kmemleak", "unreferenced object 0xffff888004c2e600 (size 192):"),
        ])
        self.assertIn("Read of size 8", find_splats(lines)[0].quote)

    def test_clean(self):
        """No report and a scan that ran: passes; no scan: fails."""
        scan = "KX: kmemleak scan: 0 unreferenced objects"
        self.assertEqual(self.judge(["[    1.0] Linux version", scan]),
                         (True, "no detector report, kmemleak scan clean"))
        self.assertEqual(self.judge(["[    1.0] Linux version"]),
                         (False, "no kmemleak scan reached the console"))

    def test_allowed(self):
        """A report the scenario causes on purpose does not fail it; any other does."""
        lines = ["[    3.1] BUG: kernel NULL pointer dereference, address: 0000000000000000",
                 "[    3.1] Oops: Oops: 0002 [#1] SMP", "KX: kmemleak scan: 0 unreferenced objects"]
        self.assertTrue(self.judge(lines, OOPS_ON_PURPOSE)[0])
        passed, reason = self.judge(lines)
        self.assertFalse(passed)
        self.assertIn("2 report(s) from BUG, Oops; first: BUG: BUG: kernel NULL", reason)


class ArchTest(unittest.TestCase):
    """The arm64 flavours: where they come from, when they run, and the pinned failure."""

    OOPS = ["[   12.1] Unable to handle kernel paging request at virtual address ffffffffc0000000",
            "[   12.1] Mem abort info:",
            "[   12.2] pc : trans_pgd_create_copy+0x1b4/0x3f8",
            "[   12.2] Call trace:",
            "[   12.2]  trans_pgd_create_copy+0x1b4/0x3f8",
            "[   12.2]  machine_kexec_post_load+0x98/0x2a8"]

    @staticmethod
    def boot(lines, scenario="chain"):
        boot = qemu.Boot([], None)
        boot.lines, boot.timed_out, boot.returncode, boot.seconds = lines, False, 0, 9.0
        return Run(scenario, boot, BUILD, 180)

    def test_arch(self):
        """The architecture is the config fragment's, x86_64 without one."""
        self.assertEqual({name: kind.arch(name) for name, kind in FLAVOURS.items()}, {
            "plain": "x86_64", "debug": "x86_64", "secure": "x86_64", "distro": "x86_64",
            "distro-efi": "x86_64", "arm64": "arm64", "arm64-52": "arm64",
            "arm64-el2": "arm64"})

    def test_default_runs(self):
        """No arm64 run unless asked for; --arch arm64 runs every arm64 flavour's
        defaults: at EL2, the two ways out."""
        for impl in ("kx", "upstream"):
            self.assertFalse([r for r in default_runs(impl) if r[1] in ARM64 + ("arm64-el2",)])
        self.assertEqual(default_runs("upstream", arch="arm64"), [
            (name, kind) for kind in ARM64 for name in
            ("chain", "replace-unload", "failed-load", "kdump", "selftests")] +
            [("chain", "arm64-el2"), ("kdump", "arm64-el2")])
        self.assertIn(("kunit", "arm64-52"), default_runs("kx", arch="arm64"))
        self.assertNotIn(("lint-style", None), default_runs("kx", arch="arm64"))

    def test_known_failure(self):
        """Pinned on upstream only, on the scenarios that load a normal image."""
        kind = FLAVOURS["arm64-52"]
        self.assertIs(kind.known_failure("upstream", "chain"), LPA2_OOPS)
        self.assertIsNone(kind.known_failure("kx", "chain"))
        self.assertIsNone(kind.known_failure("upstream", "kdump"))
        self.assertIsNone(kind.known_failure("kx", "kdump"))
        self.assertIsNone(kind.known_failure("kx", "selftests"))
        self.assertIsNone(FLAVOURS["arm64"].known_failure("upstream", "chain"))
        self.assertIsNone(FLAVOURS["arm64"].known_failure("kx", "kdump"))

    def test_foreign_dump(self):
        """A kdump-compressed dump of another machine: its machine, and a marker found in
        its pages, zlib or not, and across two pages; one it does not hold is not."""
        block = 4096
        head = bytearray(block)
        head[:8] = b"KDUMP   "
        head[KDUMP_MACHINE:KDUMP_MACHINE + 7] = b"aarch64"
        struct.pack_into("<iiI", head, KDUMP_BLOCKS, block, 1, 2)
        pages = [b"\0" * (block - 6) + b"KX-MAR", b"KER-42" + b"\0" * (block - 6),
                 b"x" * block]
        stored = [zlib.compress(pages[0]), pages[1], zlib.compress(pages[2])]
        start = 4 * block
        offset = start + 24 * len(pages)
        descriptors = b""
        for page, flags in zip(stored, (KDUMP_ZLIB, 0, KDUMP_ZLIB)):
            descriptors += struct.pack("<qIIQ", offset, len(page), flags, 0)
            offset += len(page)
        path = BUILD / "selftest-dump.kdump"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(head) + b"\0" * (3 * block) + descriptors + b"".join(stored))
        try:
            self.assertEqual(dump_machine(path), "aarch64")
            self.assertTrue(dump_holds(path, b"KX-MARKER-42"))
            self.assertFalse(dump_holds(path, b"KX-MARKER-43"))
        finally:
            path.unlink()

    def test_pinned(self):
        """The oops in trans_pgd_create_copy passes, quoted; the row is one of the run."""
        failed = [Case("chain", False, 9.0, "gen 1: kexec -l failed")]
        got = pin_known_failure(self.boot(["KX: chain gen=1"] + self.OOPS), LPA2_OOPS, failed)
        self.assertEqual([(c.name, c.passed) for c in got], [("chain", True)])
        self.assertEqual(got[0].reason, "upstream 6.12's known LPA2 failure (pinned): "
                         "[   12.1] Unable to handle kernel paging request at virtual "
                         "address ffffffffc0000000")

    def test_pin_noticed(self):
        """A run without the oops fails, whether it passed or failed otherwise."""
        passed = [Case("chain", True, 9.0, "5 generations")]
        got = pin_known_failure(self.boot(["KX: result chain PASS 5 generations"]),
                                LPA2_OOPS, passed)
        self.assertFalse(got[0].passed)
        self.assertIn("all 1 rows passed", got[0].reason)
        other = [line.replace("trans_pgd_create_copy", "copy_pte") for line in self.OOPS]
        rows = [Case("kexec_load_test:a", True, None), Case("kexec_load_test:b", False, None,
                                                            "not ok")]
        got = pin_known_failure(self.boot(other, "selftests"), LPA2_OOPS, rows)
        self.assertEqual((got[0].name, got[0].passed), ("selftests", False))
        self.assertIn("no console line matches \\btrans_pgd_create_copy\\+", got[0].reason)
        self.assertIn("1 of 2 rows failed, first kexec_load_test:b: not ok", got[0].reason)


def self_test():
    loader = unittest.defaultTestLoader
    tests = unittest.TestSuite([loader.loadTestsFromTestCase(SelfTest),
                                loader.loadTestsFromTestCase(KeysTest),
                                loader.loadTestsFromTestCase(SplatJudgeTest),
                                loader.loadTestsFromTestCase(ArchTest)])
    return 0 if unittest.TextTestRunner(verbosity=2).run(tests).wasSuccessful() else 1


def main():
    args = parse_args()
    if args.self_test:
        return self_test()
    qemu.raise_on_signal()
    cases, built = [], {}
    for name, flavour in args.runs:
        if name in HOST_CHECKS:
            cases.append(run_host_check(name, args.impl))
            continue
        kernel = FLAVOURS[flavour].build_name(flavour)
        if kernel not in built:
            try:
                built[kernel] = build(args.impl, args.pad, kernel)
            except subprocess.CalledProcessError as err:
                print(f"check.py: building the {kernel} kernel failed ({err.cmd[0]})",
                      file=sys.stderr)
                return 1
        cases += run_scenario(name, flavour, args, *built[kernel])
    return 0 if report(args.impl, cases) else 1


if __name__ == "__main__":
    sys.exit(main())
