#!/usr/bin/env python3
"""Grade exercises by running their tests.

Each chapter has a manifest (exercises/NN-topic/exercises.json, written by
scripts/gen-exercises.py) that lists its exercises, their points and the
tests that grade them, and a cmocka test program built from the student's
code.  A test program understands

    TESTBIN --list         print the names of its tests, one per line
    TESTBIN --run NAME     run that one test

Every test of every exercise is run on its own, with MC_TEST_STRICT=1 in
the environment (a skipped test counts as failed) and a time limit.  A test
passes when it exits with status 0 and prints "[  PASSED  ] 1 test".  An
exercise earns points * (tests passed) / (tests).

Command line:

    grade.py --manifest exercises/01-namespaces/exercises.json \\
             --tests build/grade/tests/test-ch01 --out build/grade \\
             [--timeout 120] [--expect zero|full] [--only ID]

--manifest and --tests may be repeated, paired in order, to grade several
chapters at once.  --only grades one exercise (by id or number).

Prints a table of the results and writes OUT/results.json (Gradescope
autograder format) and OUT/junit.xml.

Exit status: 0 (whatever the score), or with --expect, 1 unless every
exercise scored zero / full points; 2 on bad usage or missing files.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

PROG = "grade.py"
PASSED_MARK = "[  PASSED  ] 1 test"
REASON_RE = re.compile(r"FAIL|ERROR|[Ee]rror|assert")
OUTPUT_TAIL_LINES = 40
JUNIT_MAX_CHARS = 64 * 1024
# Characters XML 1.0 cannot contain (e.g. terminal escapes, NUL).
XML_INVALID_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def die(message):
    """Print a one-line error and exit with status 2."""
    print("%s: error: %s" % (PROG, message), file=sys.stderr)
    sys.exit(2)


def fmt_points(x):
    """3.0 -> '3', 1.5 -> '1.5', 0.6666 -> '0.67'."""
    return ("%.2f" % x).rstrip("0").rstrip(".")


def fmt_seconds(x):
    return fmt_points(float(x))


# --- input ---------------------------------------------------------------------


def load_manifest(path):
    """Read and sanity-check one exercises.json."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        die("%s: cannot read manifest: %s" % (path, e.strerror))
    except ValueError as e:
        die("%s: not valid JSON: %s" % (path, e))
    try:
        chapter = str(data["chapter"])
        for ex in data["exercises"]:
            for key in ("number", "id", "title", "points", "tests"):
                if key not in ex:
                    die("%s: exercise without '%s'" % (path, key))
            if not ex["tests"]:
                die("%s: exercise %s lists no tests" % (path, ex["id"]))
    except (KeyError, TypeError):
        die("%s: not an exercises.json manifest" % path)
    return chapter, data["exercises"]


def check_test_binary(path):
    if not os.path.isfile(path):
        die("%s: test program not found (was it built?)" % path)
    if not os.access(path, os.X_OK):
        die("%s: test program is not executable" % path)


# --- running tests ---------------------------------------------------------------


class Result:
    """The outcome of running one test."""

    def __init__(self, passed, reason, output, seconds):
        self.passed = passed
        self.reason = reason  # one line, empty when passed
        self.output = output
        self.seconds = seconds


def run_program(argv, timeout):
    """Run argv with stdout+stderr captured; kill its process group on timeout.

    Returns (returncode or None on timeout, output text, seconds taken).
    """
    env = dict(os.environ, MC_TEST_STRICT="1")
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        returncode = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            out, _ = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # something outside the group holds the pipe
            proc.kill()
            out = b""
        proc.wait()
        returncode = None
    seconds = time.monotonic() - start
    return returncode, out.decode("utf-8", errors="replace"), seconds


def list_tests(testbin, timeout):
    """Names printed by TESTBIN --list, or (None, reason) if that failed."""
    returncode, out, _ = run_program([os.path.abspath(testbin), "--list"], timeout)
    if returncode != 0:
        how = abnormal_exit(returncode, timeout) or "exit status %d" % returncode
        return None, "%s --list failed: %s" % (testbin, how)
    return set(out.split()), ""


def abnormal_exit(returncode, timeout):
    """'timeout after 120s' or 'killed by signal SIGSEGV', else None."""
    if returncode is None:
        return "timeout after %ss" % fmt_seconds(timeout)
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return "killed by signal %s" % name
    return None


def failure_reason(returncode, output, timeout):
    """One line saying why a test that did not pass failed."""
    abnormal = abnormal_exit(returncode, timeout)
    if abnormal:
        return abnormal
    lines = output.splitlines()
    for line in lines:
        if "SKIPPED" in line:
            return "skipped (counts as failed): %s" % line.strip()
    for line in lines:
        if line.startswith(("[ RUN", "[==")):
            continue  # these name the test, which may contain "error"
        if REASON_RE.search(line):
            return line.strip()[:200]
    if returncode != 0:
        return "exited with status %d" % returncode
    return "exited with status 0 but did not print '%s'" % PASSED_MARK


def run_test(testbin, name, available, list_error, timeout):
    if available is None:
        return Result(False, list_error, "", 0.0)
    if name not in available:
        return Result(False, "test not found in %s" % testbin, "", 0.0)
    returncode, output, seconds = run_program(
        [os.path.abspath(testbin), "--run", name], timeout)
    if returncode == 0 and PASSED_MARK in output:
        return Result(True, "", output, seconds)
    return Result(False, failure_reason(returncode, output, timeout), output, seconds)


def grade(chapters, timeout, only):
    """Run the tests; returns a list of graded exercise dicts."""
    graded = []
    cache = {}  # (testbin, test) -> Result: a test shared by exercises runs once
    for chapter, exercises, testbin in chapters:
        exercises = [ex for ex in exercises if only is None or only in (ex["id"], ex["number"])]
        if not exercises:
            continue
        available, list_error = list_tests(testbin, timeout)
        for ex in exercises:
            results = []
            for name in ex["tests"]:
                key = (os.path.abspath(testbin), name)
                if key not in cache:
                    cache[key] = run_test(testbin, name, available, list_error, timeout)
                results.append((name, cache[key]))
            passed = sum(1 for _, r in results if r.passed)
            graded.append({
                "chapter": chapter,
                "exercise": ex,
                "results": results,
                "passed": passed,
                "score": round(ex["points"] * passed / len(results), 2),
            })
    return graded


# --- reporting ---------------------------------------------------------------------


def status_text(g):
    failed = len(g["results"]) - g["passed"]
    if not failed:
        return "ok"
    return "FAIL (%d of %d tests fail)" % (failed, len(g["results"]))


def label(g):
    return "%s %s" % (g["exercise"]["number"], g["exercise"]["id"])


def table_text(graded):
    """The human-readable report."""
    header = ("Exercise", "Title", "Points", "Status")
    rows = [(label(g), g["exercise"]["title"],
             "%s/%s" % (fmt_points(g["score"]), fmt_points(g["exercise"]["points"])),
             status_text(g)) for g in graded]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(3)]

    def row_line(row):
        return "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3]

    lines = [row_line(header), row_line(tuple("-" * w for w in widths) + ("-" * 6,))]
    for g, row in zip(graded, rows):
        lines.append(row_line(row))
        for name, result in g["results"]:
            if not result.passed:
                lines.append("    %s: %s" % (name, result.reason))
    score = sum(g["score"] for g in graded)
    possible = sum(g["exercise"]["points"] for g in graded)
    tests = [r for g in graded for _, r in g["results"]]
    passed = sum(1 for r in tests if r.passed)
    lines.append("")
    lines.append("Total: %s / %s points" % (fmt_points(score), fmt_points(possible)))
    lines.append("%d passed, %d failed" % (passed, len(tests) - passed))
    return "\n".join(lines) + "\n"


def tail(text, count):
    return "\n".join(text.splitlines()[-count:])


def gradescope_json(graded, summary):
    tests = []
    for g in graded:
        ex = g["exercise"]
        lines = []
        for name, result in g["results"]:
            if result.passed:
                lines.append("PASS %s" % name)
                continue
            lines.append("FAIL %s: %s" % (name, result.reason))
            if result.output.strip():
                lines.append("--- last %d lines of output ---" % OUTPUT_TAIL_LINES)
                lines.append(tail(result.output, OUTPUT_TAIL_LINES))
                lines.append("---")
        tests.append({
            "name": "%s %s: %s" % (ex["number"], ex["id"], ex["title"]),
            "number": ex["number"],
            "score": g["score"],
            "max_score": ex["points"],
            "status": "passed" if g["passed"] == len(g["results"]) else "failed",
            "output": "\n".join(lines) + "\n",
        })
    return {
        "score": round(sum(g["score"] for g in graded), 2),
        "max_score": sum(g["exercise"]["points"] for g in graded),
        "output": summary,
        "tests": tests,
    }


def xml_text(text):
    """Make captured output safe to put into XML (and not too long)."""
    if len(text) > JUNIT_MAX_CHARS:
        text = "[... output truncated ...]\n" + text[-JUNIT_MAX_CHARS:]
    return XML_INVALID_RE.sub("?", text)


def junit_tree(graded):
    root = ET.Element("testsuites", name="minicontainer grading")
    for g in graded:
        ex = g["exercise"]
        failures = len(g["results"]) - g["passed"]
        suite = ET.SubElement(root, "testsuite", name=label(g),
                              tests=str(len(g["results"])), failures=str(failures), errors="0")
        for name, result in g["results"]:
            case = ET.SubElement(suite, "testcase", classname="%s.%s" % (g["chapter"], ex["id"]),
                                 name=name, time="%.3f" % result.seconds)
            if not result.passed:
                failure = ET.SubElement(case, "failure", message=xml_text(result.reason))
                failure.text = xml_text(result.output)
    total = sum(len(g["results"]) for g in graded)
    failed = sum(len(g["results"]) - g["passed"] for g in graded)
    root.set("tests", str(total))
    root.set("failures", str(failed))
    ET.indent(root)
    return ET.ElementTree(root)


def write_reports(out_dir, graded, summary):
    try:
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as f:
            json.dump(gradescope_json(graded, summary), f, indent=2)
            f.write("\n")
        junit_tree(graded).write(os.path.join(out_dir, "junit.xml"),
                                 encoding="utf-8", xml_declaration=True)
    except OSError as e:
        die("%s: cannot write results: %s" % (out_dir, e))


def check_expectation(graded, expect):
    """Return the exercises that do not meet --expect (zero or full)."""
    if expect == "zero":
        return [g for g in graded if g["score"] != 0]
    return [g for g in graded if g["score"] != g["exercise"]["points"]]


def main():
    parser = argparse.ArgumentParser(
        prog=PROG, description="Grade exercises by running their tests.")
    parser.add_argument("--manifest", action="append", required=True, metavar="JSON",
                        help="a chapter's exercises.json (repeatable)")
    parser.add_argument("--tests", action="append", required=True, metavar="TESTBIN",
                        help="that chapter's test program (repeatable, paired with --manifest)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="directory for results.json and junit.xml")
    parser.add_argument("--timeout", type=float, default=120, metavar="SECONDS",
                        help="time limit per test (default 120)")
    parser.add_argument("--expect", choices=("zero", "full"),
                        help="exit 1 unless every exercise scored zero / full points")
    parser.add_argument("--only", metavar="ID", help="grade only this exercise (id or number)")
    args = parser.parse_args()

    if len(args.manifest) != len(args.tests):
        die("give as many --tests as --manifest (%d vs %d)"
            % (len(args.tests), len(args.manifest)))
    if args.timeout <= 0:
        die("--timeout must be positive")
    chapters = []
    for manifest, testbin in zip(args.manifest, args.tests):
        chapter, exercises = load_manifest(manifest)
        check_test_binary(testbin)
        chapters.append((chapter, exercises, testbin))
    if args.only and not any(args.only in (ex["id"], ex["number"])
                             for _, exercises, _ in chapters for ex in exercises):
        die("--only %s: no such exercise in the manifests" % args.only)

    graded = grade(chapters, args.timeout, args.only)
    summary = table_text(graded)
    sys.stdout.write(summary)
    write_reports(args.out, graded, summary)

    if args.expect:
        wrong = check_expectation(graded, args.expect)
        if wrong:
            print("expected every exercise to score %s, but these did not:"
                  % ("0" if args.expect == "zero" else "full points"))
            for g in wrong:
                print("    %s: %s/%s" % (label(g), fmt_points(g["score"]),
                                         fmt_points(g["exercise"]["points"])))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
