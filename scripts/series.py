#!/usr/bin/env python3
"""usage: scripts/series.py export | check [am] [quilt] [bisect] | self-test

The overlay and patches/ as a patch series against the base tree, the form kernel
teams take.

  export  writes build/series/mbox/ (git format-patch files and a cover letter) and
          build/series/quilt/ (the same patches and a "series" file, as Debian's kernel
          packaging reads them). Each patch is one file of series/: its subject, the
          overlay files, patches/ entries and removed files it carries, and its body.
  check   exports, then applies the series to fresh copies of the base tree, and fails
          if a patch does not apply or the tree it ends with is not, byte for byte, the
          one scripts/tree.sh builds from the overlay. Its phases (all three without
          one named; bisect does what quilt does, and more):
            am      git am --whitespace=error-all
            quilt   quilt push -a
            bisect  quilt push, one patch at a time, building the test config (W=1)
                    before the first and after each; fails on a build error or on a
                    compiler warning that the base tree's build did not give

self-test checks, offline, how series/ is read and each rule it must keep.

Signed-off-by and author: $KX_SIGNOFF ("Name <address>"), or git's user.name and
user.email, or else the last commit's author. Dates are those of the last commit, so an
export is reproducible.
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("KX_BUILD", TOP / "build"))
OUT = BUILD / "series"
PLAN = TOP / "series"
OVERLAY_DIRS = ("kernel", "arch", "include", "tools", "Documentation")
FRAGMENTS = ("kexec-qemu.config", "kexec-qemu-kx.config")
KEYS = ("Subject", "Files", "Patches", "Removed")


def say(msg):
    print(f"series.py: {msg}", flush=True)


def die(msg):
    say(msg)
    sys.exit(1)


def run(cmd, cwd=None, env=None, quiet=True):
    """Run cmd; on failure print its output and stop."""
    res = subprocess.run(cmd, cwd=cwd, env=env, text=True,
                         stdout=subprocess.PIPE if quiet else None,
                         stderr=subprocess.STDOUT if quiet else None)
    if res.returncode:
        if quiet:
            print(res.stdout[-4000:], end="")
        die(f"failed ({res.returncode}): {' '.join(map(str, cmd))}")
    return res.stdout if quiet else ""


def listed(path):
    """The entries of a patches/ list file, comments and blank lines left out."""
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


class PlanError(Exception):
    """series/ and the repository disagree."""


def overlay_files(top=TOP):
    files = []
    for d in OVERLAY_DIRS:
        for p in sorted((top / d).rglob("*")):
            if p.is_file() and not p.name.endswith("~") and not p.name.startswith("."):
                files.append(p.relative_to(top).as_posix())
    return sorted(files)


def patched_files(patch, top=TOP):
    text = (top / "patches" / patch).read_text()
    return re.findall(r"^\+\+\+ b/(\S+)", text, re.M)


class Step:
    """One patch of the series, as series/NN-name.txt describes it."""

    def __init__(self, path):
        self.name = path.stem
        head, _, body = path.read_text().partition("\n\n")
        fields = {}
        key = None
        for line in head.splitlines():
            if line[:1].isspace() and key:
                fields[key] += " " + line.strip()
                continue
            key, sep, value = line.partition(":")
            if not sep or key not in KEYS:
                raise PlanError(f"{path.name}: not a header line: {line!r}")
            fields[key] = value.strip()
        if not fields.get("Subject"):
            raise PlanError(f"{path.name}: no Subject")
        self.subject = fields["Subject"]
        self.globs = fields.get("Files", "").split()
        self.patches = fields.get("Patches", "").split()
        self.removed = fields.get("Removed", "").split()
        self.body = body.strip() + "\n"
        self.files = []


def load_plan(top=TOP):
    """The steps, with every overlay file, patch and removal claimed exactly once."""
    steps = [Step(p) for p in sorted((top / "series").glob("[0-9][0-9]-*.txt"))]
    if not steps:
        raise PlanError("no series/NN-*.txt")
    overlay = overlay_files(top)
    claimed = {}
    for step in steps:
        for glob in step.globs:
            hits = [f for f in overlay if fnmatch.fnmatchcase(f, glob)]
            if not hits:
                raise PlanError(f"{step.name}: {glob} names no overlay file")
            step.files += hits
        for f in step.files:
            if f in claimed:
                raise PlanError(f"{f} is in both {claimed[f]} and {step.name}")
            claimed[f] = step.name
    unclaimed = [f for f in overlay if f not in claimed]
    if unclaimed:
        raise PlanError(f"overlay files in no patch of series/: {' '.join(unclaimed)}")
    check_claims(steps, "patches", listed(top / "patches/series"), ordered=True)
    check_claims(steps, "removed", listed(top / "patches/removed"), ordered=False)
    for step in steps:
        for p in step.patches:
            touched = set(patched_files(p, top)) & set(overlay)
            if touched:
                raise PlanError(f"patches/{p} touches overlay files: "
                                f"{' '.join(sorted(touched))}")
    return steps


def check_claims(steps, attr, wanted, ordered):
    """Each entry of patches/series (or removed) in one step; patches in series order."""
    got = [x for step in steps for x in getattr(step, attr)]
    if sorted(got) != sorted(wanted) or len(set(got)) != len(got):
        raise PlanError(f"series/ and patches/{'series' if ordered else 'removed'} "
                        f"disagree: {sorted(set(got) ^ set(wanted)) or 'an entry twice'}")
    if ordered and got != wanted:
        raise PlanError("series/ takes patches/series in another order: " + " ".join(got))


def identity():
    """Who signs the patches off: KX_SIGNOFF, git's user, or the last commit's author."""
    sign = os.environ.get("KX_SIGNOFF")
    if sign:
        return sign
    got = [subprocess.run(["git", "config", key], cwd=TOP, text=True,
                          capture_output=True).stdout.strip()
           for key in ("user.name", "user.email")]
    if all(got):
        return f"{got[0]} <{got[1]}>"
    return run(["git", "log", "-1", "--format=%an <%ae>"], cwd=TOP).strip()


def base_tree():
    return Path(run([str(TOP / "scripts/tree.sh"), "base"]).strip())


def git_env(ident, date):
    name, _, mail = ident.partition(" <")
    env = dict(os.environ)
    for who in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{who}_NAME"] = name
        env[f"GIT_{who}_EMAIL"] = mail.rstrip(">")
        env[f"GIT_{who}_DATE"] = date
    return env


def apply_step(work, step):
    for f in step.files:
        dest = work / f
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TOP / f, dest)
    for p in step.patches:
        run(["patch", "-s", "-p1", "--no-backup-if-mismatch", "-i",
             str(TOP / "patches" / p)], cwd=work)
    for f in step.removed:
        (work / f).unlink()


def commit_steps(steps, base, ident):
    """A small repository of the touched files: the base, then one commit a step."""
    work = OUT / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    touched = {f for s in steps for f in s.files + s.removed}
    touched |= {f for s in steps for p in s.patches for f in patched_files(p)}
    for f in sorted(touched):
        if (base / f).exists():
            (work / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(base / f, work / f)
    date = run(["git", "log", "-1", "--format=%cI"], cwd=TOP).strip()
    env = git_env(ident, date)
    run(["git", "init", "-q", "-b", "series"], cwd=work)
    run(["git", "add", "-A"], cwd=work)
    run(["git", "commit", "-q", "-m", "base"], cwd=work, env=env)
    run(["git", "tag", "base"], cwd=work)
    for step in steps:
        apply_step(work, step)
        msg = f"{step.subject}\n\n{step.body}\nSigned-off-by: {ident}\n"
        run(["git", "add", "-A"], cwd=work)
        run(["git", "commit", "-q", "-m", msg], cwd=work, env=env)
    return work, env


def write_cover(mbox, version):
    cover = mbox / "0000-cover-letter.patch"
    subject, _, blurb = (PLAN / "cover.txt").read_text().partition("\n\n")
    subject = subject.removeprefix("Subject:").strip()
    blurb = blurb.replace("@BASE@", version).strip()
    text = cover.read_text()
    text = text.replace("*** SUBJECT HERE ***", subject)
    text = text.replace("*** BLURB HERE ***", blurb)
    cover.write_text(text)


def export():
    steps = load_plan()
    base = base_tree()
    ident = identity()
    work, env = commit_steps(steps, base, ident)
    mbox, quilt = OUT / "mbox", OUT / "quilt"
    for d in (mbox, quilt):
        shutil.rmtree(d, ignore_errors=True)
    run(["git", "format-patch", "-q", "--cover-letter", "-B", "--no-signature",
         "--subject-prefix=PATCH", "-o", str(mbox), "base..HEAD"], cwd=work, env=env)
    write_cover(mbox, base.name)
    quilt.mkdir()
    names = []
    for p in sorted(mbox.glob("[0-9][0-9][0-9][0-9]-*.patch")):
        if p.name.startswith("0000-"):
            continue
        shutil.copyfile(p, quilt / p.name)
        names.append(p.name)
    (quilt / "series").write_text("".join(n + "\n" for n in names))
    for name in names:
        size = (mbox / name).stat().st_size
        lines = (mbox / name).read_text().count("\n")
        print(f"  {name:70} {lines:6} lines {size:8} bytes")
    say(f"{len(names)} patches and a cover letter in {mbox.relative_to(TOP)}, "
        f"the quilt form in {quilt.relative_to(TOP)}")
    return names


def fresh_copy(base, dest):
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    run(["cp", "-a", str(base), str(dest)])


def same_as_overlay(tree, label):
    """Is the tree, file for file and byte for byte, the one tree.sh builds?"""
    kx = Path(run([str(TOP / "scripts/tree.sh"), "kx"]).strip())
    excl = []
    for pat in (".git", ".pc", "obj", "obj-*"):
        excl += ["-x", pat]
    res = subprocess.run(["diff", "-rq", "--no-dereference", *excl, str(kx), str(tree)],
                         text=True, capture_output=True)
    if res.returncode:
        print(res.stdout[-3000:] + res.stderr[-1000:], end="")
        die(f"the tree after {label} differs from the overlay build")
    say(f"the tree after {label} is identical to the overlay build")


class Bisect:
    """Builds the test config in one tree, keeping the warnings of each build."""

    def __init__(self, tree):
        self.tree = tree
        self.baseline = None

    def make(self, *args):
        cmd = ["make", "-C", str(self.tree), "O=obj", "ARCH=x86_64", "CC=ccache gcc",
               "HOSTCC=ccache gcc", "KBUILD_BUILD_USER=kx", "KBUILD_BUILD_HOST=qemu",
               "KBUILD_BUILD_TIMESTAMP=2025-01-01", f"-j{os.cpu_count()}", *args]
        return subprocess.run(cmd, text=True, capture_output=True)

    def configure(self):
        obj = self.tree / "obj"
        obj.mkdir(exist_ok=True)
        if self.make("-s", "tinyconfig").returncode:
            die("tinyconfig failed")
        frags = [str(TOP / "kernel/configs" / f) for f in FRAGMENTS]
        run([str(self.tree / "scripts/kconfig/merge_config.sh"), "-m", "-O", str(obj),
             str(obj / ".config"), *frags])
        if self.make("-s", "olddefconfig").returncode:
            die("olddefconfig failed")

    @staticmethod
    def warnings(log):
        found = set()
        for line in log.splitlines():
            m = re.match(r"^(?:\.\./)?(\S+?):\d+(?::\d+)?: warning: (.*)$", line)
            if m:
                found.add(f"{m.group(1)}: {m.group(2)}")
        return found

    def build(self, label):
        start = time.monotonic()
        self.configure()
        res = self.make("W=1", "bzImage", "modules")
        log = res.stdout + res.stderr
        (OUT / "logs").mkdir(parents=True, exist_ok=True)
        (OUT / "logs" / f"{label}.log").write_text(log)
        secs = time.monotonic() - start
        if res.returncode:
            errors = [line for line in log.splitlines() if "error" in line.lower()]
            print("\n".join(errors[-20:]))
            die(f"the build after {label} failed (build/series/logs/{label}.log)")
        found = self.warnings(log)
        if self.baseline is None:
            self.baseline = found
            say(f"{label}: built in {secs:.0f} s, {len(found)} warnings of the base tree")
            return secs
        new = sorted(found - self.baseline)
        if new:
            print("\n".join(new))
            die(f"the build after {label} gave {len(new)} new warnings")
        say(f"{label}: built in {secs:.0f} s, no new warning")
        return secs


def check_am(base, names):
    tree = OUT / "am" / "linux"
    start = time.monotonic()
    fresh_copy(base, tree)
    env = git_env("series check <series@check>", "2025-01-01T00:00:00Z")
    run(["git", "init", "-q"], cwd=tree)
    # -f: Debian's .gitignore ignores the whole top level.
    run(["git", "add", "-A", "-f"], cwd=tree)
    run(["git", "commit", "-q", "-m", "base"], cwd=tree, env=env)
    say(f"git am: base tree committed in {time.monotonic() - start:.0f} s")
    start = time.monotonic()
    run(["git", "am", "-q", "--whitespace=error-all",
         *[str(OUT / "mbox" / n) for n in names]], cwd=tree, env=env)
    say(f"git am: {len(names)} patches applied in {time.monotonic() - start:.1f} s")
    same_as_overlay(tree, "git am")
    shutil.rmtree(tree.parent)


def check_quilt(base, names, build):
    tree = OUT / "quilt-tree" / "linux"
    fresh_copy(base, tree)
    # A copy of the series beside the tree: an export while this runs cannot change it.
    patches = tree.parent / "patches"
    shutil.rmtree(patches, ignore_errors=True)
    shutil.copytree(OUT / "quilt", patches)
    env = dict(os.environ, QUILT_PATCHES=str(patches), QUILT_PC=".pc")
    bisect = Bisect(tree)
    if not build:
        run(["quilt", "push", "-a", "-q", "--fuzz=0"], cwd=tree, env=env)
        say(f"quilt push -a: {len(names)} patches applied")
        same_as_overlay(tree, "quilt push -a")
        return
    # One patch at a time, a build after each: what "quilt push -a" does, in steps.
    total = bisect.build("0000-base")
    for name in names:
        run(["quilt", "push", "-q", "--fuzz=0"], cwd=tree, env=env)
        total += bisect.build(name.removesuffix(".patch"))
    same_as_overlay(tree, "quilt push")
    if build:
        say(f"bisect: {len(names) + 1} builds in {total:.0f} s")


PHASES = ("am", "quilt", "bisect")


def check(phases):
    names = export()
    base = base_tree()
    if "am" in phases:
        check_am(base, names)
    if "quilt" in phases and "bisect" not in phases:
        check_quilt(base, names, build=False)
    if "bisect" in phases:
        check_quilt(base, names, build=True)


class PlanTest(unittest.TestCase):
    """load_plan() on small repositories: what it takes, and each rule it enforces."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.top = Path(self.tmp.name)
        self.write("kernel/a.c", "a\n")
        self.write("kernel/b.c", "b\n")
        self.write("patches/one.patch", "--- a/Makefile\n+++ b/Makefile\n")
        self.write("patches/two.patch", "--- a/README\n+++ b/README\n")
        self.write("patches/series", "# comment\none.patch\ntwo.patch\n")
        self.write("patches/removed", "old.c\n")
        self.write("series/01-a.txt", "Subject: a\nFiles: kernel/a.c\nPatches: one.patch\n"
                   " two.patch\n\nWhy a.\n")
        self.write("series/02-b.txt", "Subject: b\nFiles: kernel/b*\nRemoved: old.c\n\nB.\n")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rel, text):
        (self.top / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.top / rel).write_text(text)

    def refused(self, fragment):
        with self.assertRaises(PlanError) as err:
            load_plan(self.top)
        self.assertIn(fragment, str(err.exception))

    def test_plan(self):
        steps = load_plan(self.top)
        self.assertEqual([(s.subject, s.files, s.patches, s.removed, s.body) for s in steps],
                         [("a", ["kernel/a.c"], ["one.patch", "two.patch"], [], "Why a.\n"),
                          ("b", ["kernel/b.c"], [], ["old.c"], "B.\n")])

    def test_file_in_no_patch(self):
        self.write("kernel/c.c", "c\n")
        self.refused("overlay files in no patch of series/: kernel/c.c")

    def test_file_in_two_patches(self):
        self.write("series/03-c.txt", "Subject: c\nFiles: kernel/*.c\n\nC.\n")
        self.refused("kernel/a.c is in both 01-a and 03-c")

    def test_glob_that_names_nothing(self):
        self.write("series/03-c.txt", "Subject: c\nFiles: kernel/none.c\n\nC.\n")
        self.refused("kernel/none.c names no overlay file")

    def test_patches_out_of_order(self):
        self.write("patches/series", "two.patch\none.patch\n")
        self.refused("in another order")

    def test_patch_in_no_step(self):
        self.write("patches/three.patch", "+++ b/x\n")
        self.write("patches/series", "one.patch\ntwo.patch\nthree.patch\n")
        self.refused("disagree: ['three.patch']")

    def test_removal_in_no_step(self):
        self.write("patches/removed", "old.c\nolder.c\n")
        self.refused("disagree: ['older.c']")

    def test_patch_touching_the_overlay(self):
        self.write("patches/two.patch", "--- a/kernel/b.c\n+++ b/kernel/b.c\n")
        self.refused("patches/two.patch touches overlay files: kernel/b.c")

    def test_header_without_subject(self):
        self.write("series/03-c.txt", "Files: kernel/a.c\n\nC.\n")
        self.refused("03-c.txt: no Subject")

    def test_unknown_header(self):
        self.write("series/03-c.txt", "Subject: c\nFile: kernel/a.c\n\nC.\n")
        self.refused("not a header line")


def self_test():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(PlanTest)
    return 0 if unittest.TextTestRunner(verbosity=1).run(suite).wasSuccessful() else 1


def main():
    args = sys.argv[1:]
    try:
        if args == ["export"]:
            export()
        elif args[:1] == ["check"] and all(a in PHASES for a in args[1:]):
            check(args[1:] or PHASES)
        elif args == ["self-test"]:
            sys.exit(self_test())
        else:
            print(__doc__.splitlines()[0], file=sys.stderr)
            sys.exit(2)
    except PlanError as err:
        die(str(err))


if __name__ == "__main__":
    main()
