#!/usr/bin/env python3
"""check-exercises.py [CH...] - prove that the grader grades (make check-exercises).

For each chapter (all of them without CH):

  1. exercises/NN-topic is what `make exercises` would generate today;
  2. the skeleton compiles without warnings (-Werror), demos and all;
  3. the reference scores full marks;
  4. each exercise cut out alone (the reference for every other one): its
     own tests all fail - so the untouched skeleton scores 0 on it, and each
     test really checks its exercise;
  5. ... and the other exercises whose tests fail then are exactly those whose
     EXERCISE marker says "Needs:" this one (so the READMEs' order is right);
  6. the reverse: each exercise alone, solved on an otherwise untouched
     skeleton and graded as a submission, earns its full points and the
     others none.

Builds go to build/check/ (one build directory, one object recompiled per
variant: scripts/mcgrade.py).  Exit status 0 when every check passed.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcgrade  # noqa: E402

failures = []


def fail(message):
    failures.append(message)
    print("check-exercises: FAILED: %s" % message, flush=True)


def say(message):
    print("=== %s" % message, flush=True)


class Checker:
    def __init__(self, course, builder, runner):
        self.course = course
        self.builder = builder
        self.runner = runner
        self.results = {}

    def run(self, variant, tests):
        """{test: Result} for tests on variant (each (variant, test) runs once)."""
        got = {}
        for t in tests:
            key = (variant.key, t)
            if key not in self.results:
                if variant.error:
                    self.results[key] = mcgrade.Result(False, variant.error)
                else:
                    self.results[key] = self.runner.run(variant.chapter.num, variant.testbin, t,
                                                        variant.env)
            got[t] = self.results[key]
        return got

    def failing(self, ch, results):
        """The exercises of ch with a failing test in results."""
        return [ex for ex in ch.exercises if not all(results[t].passed for t in ex["tests"])]

    def check(self, ch):
        tests = sorted({t for ex in ch.exercises for t in ex["tests"]})
        say("%s: skeleton up to date" % ch.name)
        if subprocess.run([sys.executable, os.path.join(mcgrade.ROOT, "scripts", "gen-exercises.py"),
                           "--check", os.path.join(mcgrade.ROOT, "chapters", ch.name),
                           os.path.join(mcgrade.ROOT, "exercises", ch.name)]).returncode != 0:
            fail("%s: exercises/%s is out of date (make exercises)" % (ch.name, ch.name))

        say("%s: the skeleton compiles without warnings" % ch.name)
        skeleton = {n: "\n".join(ch.files[n]["skeleton"]) for n in ch.file_names}
        v = self.builder.variant(ch, skeleton)
        if v.error:
            fail("%s: the skeleton %s" % (ch.name, v.error))

        say("%s: the reference scores full marks" % ch.name)
        reference = self.builder.variant(ch, self.builder.reference[ch.name])
        broken = self.failing(ch, self.run(reference, tests))
        for ex in broken:
            res = self.run(reference, ex["tests"])
            bad = ["%s: %s" % (t, res[t].reason) for t in ex["tests"] if not res[t].passed]
            fail("%s: the reference fails %s %s: %s" % (ch.name, ex["number"], ex["id"],
                                                        "; ".join(bad)))

        for ex in ch.exercises:
            say("%s: %s %s cut out alone: its tests fail, and those of what needs it"
                % (ch.name, ex["number"], ex["id"]))
            texts = {n: (mcgrade.assemble(ch.files[n], None, {ex["id"]}) if n == ex["file"]
                         else self.builder.reference[ch.name][n]) for n in ch.file_names}
            cut = self.builder.variant(ch, texts)
            res = self.run(cut, tests)
            passing = [t for t in ex["tests"] if res[t].passed]
            if passing:
                fail("%s: with %s cut out, its tests still pass: %s"
                     % (ch.name, ex["id"], " ".join(passing)))
            # (An exercise the reference fails tells nothing about what it needs.)
            found = sorted(w["number"] for w in self.failing(ch, res)
                           if w is not ex and w not in broken)
            declared = sorted(w["number"] for w in ch.exercises
                              if ex["number"] in w["needs"] and w not in broken)
            for n in sorted(set(found) - set(declared)):
                fail("%s: %s's tests fail without %s %s, but its marker does not say so: add "
                     "'Needs: %s' to the EXERCISE %s comment" % (ch.name, n, ex["number"],
                                                                ex["id"], ex["number"], n))
            for n in sorted(set(declared) - set(found)):
                fail("%s: %s says it needs %s, but its tests pass without it: drop %s from "
                     "its Needs: line" % (ch.name, n, ex["number"], ex["number"]))

        for ex in ch.exercises:
            say("%s: %s %s alone solved on the skeleton, graded as a submission: full points, "
                "the others none" % (ch.name, ex["number"], ex["id"]))
            files = {n: "\n".join(ch.files[n]["skeleton"]) for n in ch.file_names}
            files[ex["file"]] = solved_alone(ch.files[ex["file"]], ex["id"])
            sub = mcgrade.Submission("only-" + ex["id"], {ch.name: files}, [])
            plan, independent, _ = mcgrade.plan_submission(self.builder, [ch], sub, False)
            for other in ch.exercises:
                v, _ = independent[(ch.name, other["id"])]
                res = self.run(v, other["tests"])
                full = all(r.passed for r in res.values())
                none = not any(r.passed for r in res.values())
                if other is ex and not full:
                    fail("%s: %s solved alone does not earn its full points" % (ch.name, ex["id"]))
                if other is not ex and not none:
                    fail("%s: with only %s solved, %s earns points" % (ch.name, ex["id"],
                                                                       other["id"]))


def solved_alone(info, ex_id):
    """The skeleton file with one exercise's stub replaced by its solution, as a
    student who solved that one alone would hand it in."""
    cut = next(c for c in info["cuts"] if c["id"] == ex_id)
    lines = info["skeleton"]
    return "\n".join(lines[:cut["start"]] + cut["solution"] + lines[cut["end"]:])


def main():
    only = sys.argv[1:] or None
    problems = mcgrade.preflight()
    if problems:
        print("check-exercises: this machine cannot run the tests: %s (run as root)"
              % "; ".join(problems))
        return 2
    course = mcgrade.load_course(mcgrade.ROOT)
    missing = [ch.name for ch in course if not ch.has_reference]
    if missing:
        print("check-exercises: no reference solutions in %s (a handout?)" % " ".join(missing))
        return 2
    work = os.path.join(mcgrade.ROOT, "build", "check", "work")
    builder = mcgrade.Builder(work, course, werror=True)
    # Generous limits: this proves the tests, it does not race them.
    runner = mcgrade.Runner(mcgrade.Limits(timeout=60, budget=1e9))
    checker = Checker(course, builder, runner)
    for ch in course:
        if only and ch.num not in only and ch.name not in only:
            continue
        checker.check(ch)
    if failures:
        print("check-exercises: %d failures:" % len(failures))
        for f in failures:
            print("  %s" % f)
        return 1
    print("check-exercises: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
