#!/usr/bin/env python3
"""Boot one kernel in QEMU (TCG) and collect its serial console.

usage: scripts/qemu.py BZIMAGE INITRD LOG [--timeout S] [--disk IMG] [--append WORDS]
                      [--arch x86_64|arm64]

The console goes to LOG and, for lines starting "KX: ", to stdout as they arrive.
QEMU runs in its own process group, which is killed on timeout, on error and on any
signal to this script: no QEMU outlives it. Exit status 0 when the guest powered off,
124 on timeout.
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

BASE_APPEND = "console=ttyS0 quiet panic=-1"


@dataclass(frozen=True)
class Machine:
    """What QEMU emulates for one architecture: its binary, the machine's options, and
    the serial console the kernel writes to."""
    binary: str
    options: tuple
    console: str


MACHINES = {
    "x86_64": Machine("qemu-system-x86_64", (), "ttyS0"),
    # virt: PL011 console, GIC, PSCI, PCIe (the virtio disk). QEMU writes a random
    # kaslr-seed into its device tree unless told not to, and a kernel without
    # RANDOMIZE_BASE leaves it there, which kexec-tools then refuses to hand on.
    "arm64": Machine("qemu-system-aarch64", ("-M", "virt,dtb-randomness=off"), "ttyAMA0"),
}
# The guest reads the initrd it was booted with (/sys/firmware/initrd) to hand it on. It
# then stays where the boot loader put it, at the top of the RAM below 2 GiB, which is
# where kexec-tools puts the next one: benchmarks of loading in place do without it.
RETAIN_INITRD = "retain_initrd"
ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]")


def qemu_command(kernel, initrd, append, disk=None, memory=2048, cpus=2, prealloc=False,
                 extra=(), monitor=None, retain_initrd=True, arch="x86_64"):
    """The QEMU command line for one boot of an ARCH kernel (MACHINES); guests power off
    (or panic) to exit.

    PREALLOC backs all guest memory on the host before the boot, so that no guest
    write pays for a host page fault (benchmarks want that; tests do not need it).
    EXTRA are more options (firmware, devices); MONITOR a path where QEMU listens with
    its human monitor (device hotplug), which is off otherwise. RETAIN_INITRD keeps the
    initrd readable in the guest."""
    machine = MACHINES[arch]
    base = BASE_APPEND.replace("console=ttyS0", f"console={machine.console}")
    base = f"{base} {RETAIN_INITRD}" if retain_initrd else base
    cmd = [
        machine.binary, *machine.options, "-accel", "tcg", "-cpu", "max",
        "-smp", str(cpus), "-m", str(memory), *(["-mem-prealloc"] if prealloc else []),
        "-nodefaults", "-display", "none", "-no-reboot",
        "-monitor", f"unix:{monitor},server=on,wait=off" if monitor else "none",
        "-serial", "stdio",
        "-kernel", kernel, "-initrd", initrd,
        "-append", f"{base} {append}".strip(), *extra,
    ]
    if disk:
        cmd += ["-drive", f"file={disk},format=raw,if=virtio"]
    return cmd


class Boot:
    """One QEMU run: its console lines, how long it took, and how it ended."""

    def __init__(self, cmd, log_path, echo=None, react=None):
        self.cmd = cmd
        self.log_path = log_path
        self.echo = echo
        self.react = react
        self.lines = []
        self.times = []  # host monotonic seconds at which each line arrived
        self.timed_out = False
        self.seconds = 0.0
        self.returncode = None

    def _pump(self, proc, log):
        for raw in proc.stdout:
            # UEFI firmware clears the screen with escape sequences before the kernel's
            # first line, and they would hide what that line starts with.
            line = ESCAPES.sub("", raw.decode("utf-8", "replace").rstrip("\r\n"))
            self.times.append(time.monotonic())
            self.lines.append(line)
            log.write(line + "\n")
            log.flush()
            if self.echo and line.startswith("KX: "):
                self.echo(line)
            if self.react:
                self.react(line)

    def run(self, timeout):
        """Boot and wait for QEMU to exit, killing it after TIMEOUT seconds."""
        start = time.monotonic()
        with open(self.log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT,
                                    start_new_session=True)
            pump = threading.Thread(target=self._pump, args=(proc, log))
            pump.start()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.timed_out = True
            finally:
                kill_group(proc)
                pump.join()
        self.returncode = proc.returncode
        self.seconds = time.monotonic() - start
        return self

    def tail(self, count=15):
        return self.lines[-count:]


def monitor(path, commands, timeout=30):
    """Send COMMANDS to the human monitor listening at PATH, one after the other, each
    once the prompt is back; returns what the monitor answered."""
    answer = b""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(path))
        for command in [None, *commands]:
            if command:
                sock.sendall(command.encode() + b"\n")
            while not answer.endswith(b"(qemu) "):
                chunk = sock.recv(4096)
                if not chunk:
                    raise ConnectionError(f"the monitor closed: {answer[-200:]!r}")
                answer += chunk
            answer += b"\n"
    return answer.decode("utf-8", "replace")


def kill_group(proc):
    """Kill QEMU's whole process group and reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


def raise_on_signal():
    """Turn SIGTERM/SIGHUP into SystemExit so that the finally clauses kill QEMU."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernel")
    parser.add_argument("initrd")
    parser.add_argument("log")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--disk")
    parser.add_argument("--append", default="")
    parser.add_argument("--arch", default="x86_64", choices=list(MACHINES))
    args = parser.parse_args()
    raise_on_signal()
    boot = Boot(qemu_command(args.kernel, args.initrd, args.append, args.disk,
                             arch=args.arch),
                args.log, echo=print).run(args.timeout)
    if boot.timed_out:
        print(f"timed out after {args.timeout:.0f} s", file=sys.stderr)
        return 124
    return boot.returncode


if __name__ == "__main__":
    sys.exit(main())
