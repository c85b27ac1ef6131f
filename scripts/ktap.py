#!/usr/bin/env python3
"""Read KUnit's KTAP out of a kernel log: one result per test case.

usage: scripts/ktap.py [LOG]

KTAP (Documentation/dev-tools/ktap.rst) nests tests by indentation: KUnit prints its
suites at the top level, their cases indented by 4 spaces, and the parameters of a
parameterised case 4 deeper. Lines that are not KTAP (other kernel messages, the
"Expected ..." lines of a failed expectation) are ignored; "[    1.234567] " timestamps
are dropped first. Run on a file (a console log with the guest's "KX-KTAP: " prefixes,
or plain dmesg), it prints one row per case.
"""

import re
import sys
from dataclasses import dataclass, field

TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\] ?")
VERSION = re.compile(r"^K?TAP version \d+$")
SUBTEST = re.compile(r"^# Subtest: (.*)$")
PLAN = re.compile(r"^1\.\.(\d+)$")
RESULT = re.compile(r"^(ok|not ok) (\d+)\b ?([^#]*)(?:#(.*))?$")
DIRECTIVES = ("SKIP", "TODO", "XFAIL", "TIMEOUT", "ERROR")
# KUnit's counts ("# name: pass:3 fail:0 skip:0 total:3", "# Totals: ..."): no reason.
STATS = re.compile(r"pass:\d+ fail:\d+ skip:\d+ total:\d+$")


@dataclass
class Test:
    """A test with subtests: a KTAP version line, at one indentation, up to its result."""
    indent: int
    name: str = ""
    plan: int | None = None
    results: list = field(default_factory=list)     # Result, in order
    unfinished: list = field(default_factory=list)  # subtests (Test) that got no result
    diags: list = field(default_factory=list)       # "# ..." since the last result


@dataclass
class Result:
    """One "ok"/"not ok" line, with the diagnostics before it and its subtests, if any."""
    number: int
    ok: bool
    name: str
    directive: str  # SKIP, TODO, ... or ""
    note: str       # what follows the directive
    diags: list
    sub: Test | None = None

    @property
    def passed(self):
        """KUnit's pass, with a SKIP counting as a failure."""
        return self.ok and self.directive != "SKIP"


def strip(line):
    """LINE without a trailing newline or a printk timestamp; indentation kept."""
    return TIMESTAMP.sub("", line.rstrip("\r\n"), count=1)


def _close(stack, indent):
    """Pop the tests indented deeper than INDENT; return the shallowest of them.

    Each deeper one popped is a subtest of the one below it that never got a result.
    """
    popped = None
    while stack and stack[-1].indent > indent:
        test = stack.pop()
        if popped is not None:
            test.unfinished.append(popped)
        popped = test
    return popped


def _unfinished(stack, test):
    """TEST ends without a result: a subtest of the one below it (or a root)."""
    if test is not None and stack:
        stack[-1].unfinished.append(test)


def _at(stack, roots, indent):
    """The open test at INDENT, opened here if the lines that start it are missing."""
    _unfinished(stack, _close(stack, indent))
    if not stack or stack[-1].indent < indent:
        test = Test(indent)
        if not stack:
            roots.append(test)
        stack.append(test)
    return stack[-1]


def _result(match, diags, sub):
    text = (match.group(4) or "").strip()
    word = text.split(maxsplit=1)[0] if text else ""
    directive = word.upper() if word.upper() in DIRECTIVES else ""
    note = text[len(word):].strip() if directive else text
    return Result(int(match.group(2)), match.group(1) == "ok", match.group(3).strip(),
                  directive, note, diags, sub)


def parse(lines):
    """The top-level tests (roots) of the KTAP in LINES."""
    roots, stack = [], []
    for raw in lines:
        line = strip(raw).rstrip()
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if VERSION.match(body):
            _unfinished(stack, _close(stack, indent))
            if stack and stack[-1].indent == indent:
                sibling = stack.pop()  # a new test at its level: it got no result
                _unfinished(stack, sibling)
            test = Test(indent)
            if not stack:
                roots.append(test)
            stack.append(test)
            continue
        if not stack:
            continue  # before the first version line: not ours
        subtest, plan, result = SUBTEST.match(body), PLAN.match(body), RESULT.match(body)
        if subtest:
            _at(stack, roots, indent).name = subtest.group(1).strip()
        elif plan:
            _at(stack, roots, indent).plan = int(plan.group(1))
        elif result:
            sub = _close(stack, indent)
            test = _at(stack, roots, indent)
            test.results.append(_result(result, test.diags, sub))
            test.diags = []
        elif body.startswith("#"):
            owner = next((t for t in reversed(stack) if t.indent <= indent), stack[0])
            owner.diags.append(body.lstrip("# ").strip())
    _close(stack, -1)  # what is still open at the end of the log got no result
    return roots


def _why(result, name=""):
    """The first diagnostic that says what went wrong (not a count), without the
    "NAME: " that KUnit puts before a case's messages."""
    diags = [d for d in result.diags if not STATS.search(d)]
    failed = [d for d in diags if re.search(r"FAILED|fault|timed out|error", d)]
    text = (failed or diags or [""])[0]
    for prefix in {f"{result.name}:", f"{name}:"} - {":"}:
        if text.startswith(prefix):
            text = text[len(prefix):].lstrip(" #")
    return text if len(text) <= 120 else text[:117] + "..."


def _case(suite, case):
    """(name, passed, reason) of one KUnit case; a skipped parameter fails it too."""
    name = f"kunit: {suite}.{case.name}"
    if case.directive == "SKIP":
        return name, False, "skipped" + (f": {case.note}" if case.note else "")
    params = case.sub.results if case.sub else []
    bad = [p for p in params if not p.passed]
    if not case.ok or bad:
        reason = "" if case.ok else "not ok"
        if bad:
            what = "skipped" if bad[0].ok else "not ok"
            reason += f"{'; ' if reason else ''}parameter '{bad[0].name}' {what}"
            why = _why(bad[0], case.name) or _why(case) or bad[0].note
        else:
            why = _why(case) or case.note
        return name, False, reason + (f": {why}" if why else "")
    if case.sub and case.sub.unfinished:
        return name, False, "a parameter's subtests have no result"
    return name, True, f"{len(params)} parameters" if params else ""


def _suite(name, result, test):
    """The rows of one suite: its cases, and the suite itself when it went wrong."""
    rows, problems = [], []
    if test is not None:
        rows += [_case(name, case) for case in test.results]
        rows += [(f"kunit: {name}.{sub.name or '?'}", False,
                  "no result: the log ends inside its parameters")
                 for sub in test.unfinished]
        reported = len(test.results) + len(test.unfinished)
        if test.plan is None:
            problems.append(f"no plan, {reported} cases reported")
        elif reported != test.plan:
            problems.append(f"{reported} of {test.plan} planned cases reported")
    if result is None:
        problems.append("never finished: the log ends inside it")
    elif not result.passed and all(row[1] for row in rows):
        why = _why(result) or result.note
        problems.append(f"{'not ok' if not result.ok else 'skipped'}"
                        + (f": {why}" if why else ""))
    if problems:
        rows.append((f"kunit: {name}", False, "; ".join(problems)))
    return rows


def kunit_results(lines):
    """(rows, suites): one (name, passed, reason) row per case of each suite in LINES,
    plus a row for each suite or plan that is not complete; and the number of suites.

    A SKIP is a failure. No KTAP at all is one failed row named "kunit".
    """
    roots = parse(lines)
    if not roots:
        return [("kunit", False, "no KTAP in the kernel log")], 0
    rows, suites = [], 0
    for root in roots:
        for result in root.results:
            name = result.name or (result.sub.name if result.sub else "") or "?"
            rows += _suite(name, result, result.sub)
        for test in root.unfinished:
            rows += _suite(test.name or "?", None, test)
        count = len(root.results) + len(root.unfinished)
        suites += count
        if root.plan is None:
            rows.append(("kunit: suites", False, f"no plan, {count} suites reported"))
        elif count != root.plan:
            rows.append(("kunit: suites", False,
                         f"{count} of {root.plan} planned suites reported"))
    return rows, suites


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
            lines = log.readlines()
    else:
        lines = sys.stdin.readlines()
    rows, suites = kunit_results(
        line[len("KX-KTAP: "):] if line.startswith("KX-KTAP: ") else line for line in lines)
    for name, passed, reason in rows:
        print(f"{'PASS' if passed else 'FAIL'}  {name}  {reason}".rstrip())
    print(f"{suites} suites, {sum(r[1] for r in rows)} passed, "
          f"{sum(not r[1] for r in rows)} failed")
    return 0 if all(r[1] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
