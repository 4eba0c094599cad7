#!/usr/bin/env python3
"""Grade the exercises: yours, or a submission, the way a course can trust.

    grade.py [CH...] [--submission DIR] [--out DIR] [--work DIR]
             [--timeout S] [--budget S] [--vm auto|never|always]
             [--together | --no-together] [--only ID] [--expect zero|full]

CH (01, 02-cgroups, ...) chooses chapters; all of them without.

Without --submission it grades this tree's exercises/ (what `make grade`
does for a student).  With --submission DIR (`make grade SUBMISSION=DIR`)
it takes only the exercise source files out of DIR (exercises/NN-topic/FILE,
NN-topic/FILE or FILE) and builds them with this tree's own Makefile, tests
and exercise list: nothing else in DIR is read.

Each exercise is graded on a build where every other exercise is the
reference solution, so its score depends on that exercise alone.  With
--together (the default without --submission) each chapter is also tested
on the student's code as it is, and an exercise that is right on its own
but fails there says which exercises it waits on.  In a handout tree (no
reference solutions) only the latter is possible.

Each test runs in a process of its own, with a time limit (--timeout,
default 10 s) and a budget per chapter (--budget, default 60 s), both
stretched by the machine's load and, in the VM, by its emulation; a test
that is killed has its processes, scratch directory and cgroups removed.
--deadline S caps the time all the tests may take (Gradescope's limit).

Before the tests run, a preflight checks that this machine can run them
(root with CAP_SYS_ADMIN and friends, a writable cgroup hierarchy,
overlayfs under /tmp).  If it cannot, the tests run in the qemu VM of
tests/vm/ (--vm auto, the default), which needs no privileges; --vm never
aborts instead, --vm always uses the VM anyway.

Prints a table and writes OUT/results.json (Gradescope's format),
OUT/junit.xml and OUT/report.txt (OUT defaults to build/grade).

Exit status: 0 (whatever the score); with --expect, 1 unless every
exercise scored zero / full points; 2 when it cannot grade.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcgrade  # noqa: E402

PROG = "grade.py"


def die(message):
    print("%s: %s" % (PROG, message), file=sys.stderr)
    sys.exit(2)


def choose_where(vm):
    """'local' or 'vm' and the line that says why; dies when neither can work."""
    if vm == "always":
        why = mcgrade.vm_problem()
        if why:
            die("cannot grade in the VM: %s" % why)
        return "vm", "Tests ran in the VM (tests/vm/), as asked"
    problems = mcgrade.preflight()
    if not problems:
        return "local", "Tests ran on this machine, as root"
    listed = "".join("\n  - %s" % p for p in problems)
    if vm == "auto":
        why = mcgrade.vm_problem()
        if why is None:
            mcgrade.log("grade: this machine cannot run the tests:%s\n"
                        "grade: so they run in a VM (tests/vm/), which needs no privileges; "
                        "that is slower" % listed)
            return "vm", "Tests ran in the VM (tests/vm/): this machine cannot (%s)" % (
                "; ".join(problems))
        listed += "\n  - and no VM: %s" % why
    die("cannot grade on this machine: scores would be wrong here:%s\n"
        "Grade as root (sudo make grade), or in the VM, which needs no privileges:\n"
        "install qemu-system-x86 (sudo make deps) and run make grade GRADE_VM=1." % listed)


def main():
    parser = argparse.ArgumentParser(prog=PROG, description="Grade exercises.")
    parser.add_argument("chapters", nargs="*", metavar="CH", help="chapters (01 or 01-namespaces)")
    parser.add_argument("--submission", metavar="DIR",
                        help="grade DIR's exercise files with this tree's tests")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="where results.json, junit.xml and report.txt go (build/grade)")
    parser.add_argument("--work", default=None, metavar="DIR",
                        help="build directory for the graded variants (build/grade/work)")
    parser.add_argument("--timeout", type=float, default=mcgrade.DEFAULT_TIMEOUT,
                        metavar="S", help="time limit per test (default %(default)s)")
    parser.add_argument("--budget", type=float, default=mcgrade.DEFAULT_BUDGET,
                        metavar="S", help="time budget per chapter (default %(default)s)")
    parser.add_argument("--deadline", type=float, default=None, metavar="S",
                        help="run tests for S seconds at most in all; the rest count as failed")
    parser.add_argument("--vm", choices=("auto", "never", "always"), default="auto",
                        help="run the tests in the qemu VM: when this machine cannot (auto)")
    parser.add_argument("--vm-slowdown", type=float, default=mcgrade.DEFAULT_VM_SLOWDOWN,
                        metavar="X", help="stretch time limits in the VM (default %(default)s)")
    together = parser.add_mutually_exclusive_group()
    together.add_argument("--together", dest="together", action="store_true", default=None,
                          help="also test each chapter on the student's code as it is")
    together.add_argument("--no-together", dest="together", action="store_false")
    parser.add_argument("--only", metavar="ID", help="grade only this exercise (id or number)")
    parser.add_argument("--expect", choices=("zero", "full"),
                        help="exit 1 unless every exercise scored zero / full points")
    parser.add_argument("--build-only", action="store_true",
                        help="build what grading needs, run nothing (to warm the build)")
    parser.add_argument("--run-plan", metavar="PLAN", help=argparse.SUPPRESS)
    parser.add_argument("--plan-results", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.run_plan:  # inside the VM
        return mcgrade.execute_plan_file(args.run_plan, args.plan_results)
    if args.timeout <= 0 or args.budget <= 0:
        die("--timeout and --budget must be positive")

    try:
        chapters = mcgrade.load_course(mcgrade.ROOT, args.chapters or None)
        if args.only:
            for ch in chapters:
                ch.exercises = [ex for ex in ch.exercises if args.only in (ex["id"], ex["number"])]
            chapters = [ch for ch in chapters if ch.exercises]
            if not chapters:
                die("--only %s: no such exercise" % args.only)
        sub_dir = args.submission or mcgrade.ROOT
        sub = mcgrade.intake(sub_dir, mcgrade.load_course(mcgrade.ROOT, args.chapters or None))
    except mcgrade.GradeError as e:
        die(str(e))
    together = args.together if args.together is not None else args.submission is None

    if args.build_only:
        work = args.work or os.path.join(mcgrade.ROOT, "build", "grade", "work")
        builder = mcgrade.Builder(work, mcgrade.load_course(mcgrade.ROOT))
        mcgrade.plan_submission(builder, chapters, sub, together)
        return 0
    where, where_line = choose_where(args.vm)
    limits = mcgrade.Limits(args.timeout, args.budget,
                            args.vm_slowdown if where == "vm" else 1.0, args.deadline)
    out = args.out or os.path.join(mcgrade.ROOT, "build", "grade")
    work = args.work or os.path.join(mcgrade.ROOT, "build", "grade", "work")
    builder = mcgrade.Builder(work, mcgrade.load_course(mcgrade.ROOT))
    try:
        graded = mcgrade.grade_submission(chapters, sub, builder, limits, where, together)
    except mcgrade.GradeError as e:
        die(str(e))

    header = []
    if args.submission:
        header.append("Submission: %s (only its exercise files were taken)" % args.submission)
    header.append(where_line)
    header.append("Time limits: %s" % limits.describe())
    if any(not ch.has_reference for ch in chapters):
        header.append("Graded on your own code for every exercise (this tree has no "
                      "reference solutions)")
    for note in sub.notes:
        if args.submission or "not submitted" not in note:
            header.append("Note: %s" % note)
    header.append("")
    summary = mcgrade.table_text(graded, header)
    sys.stdout.write(summary)
    mcgrade.write_reports(out, graded, summary)

    if args.expect:
        if args.expect == "zero":
            wrong = [g for g in graded if g.score != 0]
        else:
            wrong = [g for g in graded if not g.full]
        if wrong:
            print("expected every exercise to score %s, but these did not:"
                  % ("0" if args.expect == "zero" else "full points"))
            for g in wrong:
                print("    %s: %s/%s" % (g.label, mcgrade.fmt_points(g.score),
                                         mcgrade.fmt_points(g.exercise["points"])))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
