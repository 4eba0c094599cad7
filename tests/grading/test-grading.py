#!/usr/bin/env python3
"""test-grading.py [NAME...] - the grader's own tests (make check-grading).

  tamper          a submission that edits its manifests, tests, Makefile and
                  grader, and symlinks exercise files to the reference, gains
                  nothing: only the exercise it really solved earns points
  together        grading a submission --together says which exercises a
                  right one waits on (01.1 on 01.2)
  limits          a hanging or forking submission: tests are killed at their
                  time limit, the chapter's budget stops the rest, and no
                  process, scratch directory or cgroup of theirs is left
  unprivileged    the same submission, graded as root on this machine and by
                  the Gradescope bundle's run_autograder as nobody with no
                  capabilities (in the VM), scores the same, exercise by
                  exercise
  handout         make handout: no solution code in it, it builds, its tests
                  run and its untouched skeleton grades 0, make student works
                  there and in the full tree, instructor targets refuse
  exercises       make exercises refuses to overwrite an edited exercise file,
                  FORCE=1 overwrites it
  vm-tmp          the VM runs a command in a directory under /tmp (a clone
                  there) and shares a directory read-write
  docs            the READMEs' chapter tables list what exists

Needs root.  Work goes to a temporary directory, removed at the end.  Prints
one line per check and "N passed, M failed"; exit 1 if any failed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, HERE)
import handout  # noqa: E402
import mcgrade  # noqa: E402
import submissions  # noqa: E402

passed = 0
failed = []


def check(name, ok, detail=""):
    global passed
    if ok:
        passed += 1
        print("ok      %s" % name, flush=True)
    else:
        failed.append(name)
        print("FAILED  %s%s" % (name, (": " + detail) if detail else ""), flush=True)


def run(argv, cwd=ROOT, env=None, timeout=3600, user=None):
    """Run argv; (status, output).  user "nobody": as nobody, with no capabilities."""
    if user:
        argv = ["setpriv", "--reuid=%s" % user, "--regid=nogroup", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"] + argv
    full = dict(os.environ)
    full.pop("MAKEFLAGS", None)
    full.update(env or {})
    start = time.monotonic()
    p = subprocess.run(argv, cwd=cwd, env=full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    out = p.stdout.decode("utf-8", errors="replace")
    print("        (%s: %.0f s)" % (" ".join(argv[-4:])[:90], time.monotonic() - start), flush=True)
    return p.returncode, out


def scores(results_dir):
    with open(os.path.join(results_dir, "results.json"), encoding="utf-8") as f:
        data = json.load(f)
    return {t["number"]: t["score"] for t in data.get("tests", [])}, data


def copy_course(dest):
    """The course's tracked files, as a student's clone has them."""
    for rel in handout.tracked_files(ROOT):
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src) or os.path.islink(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))


def unzip(path, dest):
    """As unzip(1) does it: with the files' Unix permissions."""
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            target = z.extract(info, dest)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(target, mode & 0o777)


def grade(sub, out, *flags, cwd=ROOT, user=None, env=None):
    return run([sys.executable, os.path.join(cwd, "scripts", "grade.py"), "--submission", sub,
                "--out", out, "--work", os.path.join(WORK, "grade-work"), *flags], cwd=cwd,
               user=user, env=env)


# --- the checks -----------------------------------------------------------------------


def test_tamper(course):
    sub = os.path.join(WORK, "tampered")
    copy_course(sub)
    submissions.write(sub, course, solved=("03.2",))
    # Every manifest: each exercise graded by one test, which the submission's
    # own harness passes whatever it runs; the points multiplied.
    for ch in course:
        path = os.path.join(sub, "exercises", ch.name, "exercises.json")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for ex in data["exercises"]:
            ex["tests"] = ["test_always_passes"]
            ex["points"] *= 10
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f)
    with open(os.path.join(sub, "tests", "harness.c"), "a", encoding="utf-8") as f:
        f.write("\n/* tampered */\nint mc_tampered = 1;\n")
    for name in ("tests/test_ch01_namespaces.c", "tests/test_ch02_cgroups.c"):
        with open(os.path.join(sub, name), "w", encoding="utf-8") as f:
            f.write('#include <stdio.h>\nint main(void) { puts("[  PASSED  ] 1 test(s)."); '
                    "return 0; }\n")
    with open(os.path.join(sub, "Makefile"), "a", encoding="utf-8") as f:
        f.write("\ngrade:\n\t@echo 'Total: 500 / 500 points'\n")
    for name in ("grade.py", "mcgrade.py"):
        with open(os.path.join(sub, "scripts", name), "w", encoding="utf-8") as f:
            f.write("print('Total: 500 / 500 points')\n")
    # Exercise files that are the reference, through symlinks.
    limits = os.path.join(sub, "exercises", "02-cgroups", "limits.c")
    os.unlink(limits)
    os.symlink(os.path.join(ROOT, "chapters", "02-cgroups", "limits.c"), limits)
    digest = os.path.join(sub, "exercises", "04-images", "digest.c")
    os.unlink(digest)
    os.symlink("../../chapters/04-images/digest.c", digest)

    out = os.path.join(WORK, "tampered-out")
    status, text = grade(sub, out)
    check("tamper: graded", status == 0, text[-2000:])
    got, data = scores(out)
    earned = {n: s for n, s in got.items() if s}
    check("tamper: only 03.2, really solved, earns points (2 of %s)" % data.get("max_score"),
          earned == {"03.2": 2} and data.get("max_score") == sum(
              ex["points"] for ch in course for ex in ch.exercises), "earned %s" % earned)
    check("tamper: the symlinked exercise files were not taken, and the report says so",
          "exercises/02-cgroups/limits.c is a symbolic link (not taken)" in text and
          "exercises/04-images/digest.c is a symbolic link (not taken)" in text, text[:1500])


def test_together(course):
    sub = os.path.join(WORK, "only-01.1")
    submissions.write(sub, course, solved=("01.1",))
    out = os.path.join(WORK, "only-01.1-out")
    status, text = grade(sub, out, "01", "--together")
    got, _ = scores(out)
    check("together: 01.1 scores full on its own", got.get("01.1") == 3, text[-1500:])
    check("together: and says that with the student's code it waits on 01.2",
          re.search(r"note: right on its own, but with your code for the other exercises its "
                    r"tests fail: it waits on 01.2 pivot-root", text) is not None, text[-3000:])


LEAK_MARK = "4242"


def test_limits(course):
    sub = os.path.join(WORK, "hanging")
    half = {
        # A busy loop, and a process that outlives its test.
        "02.1": "(void)text; (void)bytes; (void)err; if (fork() == 0) { setsid(); "
                "execl(\"/bin/sleep\", \"sleep\", \"" + LEAK_MARK + "\", (char *)NULL); } "
                "for (;;) ; return 0;",
        # Blocks (in a test that made a cgroup first).
        "02.4": "(void)cg; (void)err; pause(); return 0;",
    }
    submissions.write(sub, course, half=half)  # (both files include unistd.h)
    out = os.path.join(WORK, "hanging-out")
    log = os.path.join(WORK, "scratch.log")
    status, text = grade(sub, out, "02", "--timeout", "2", "--budget", "8",
                         env={"MC_GRADE_LOG": log})
    check("limits: graded", status == 0, text[-2000:])
    check("limits: a test past its time limit is killed and says so",
          re.search(r"test_parse_size_\w+: timed out after [\d.]+ s \(killed\)", text) is not None,
          text[-3000:])
    check("limits: the chapter's budget stops the tests after it",
          "not run: chapter 02 used up its time budget" in text, text[-3000:])
    leaked = subprocess.run(["pgrep", "-f", "^sleep %s$" % LEAK_MARK],
                            stdout=subprocess.PIPE).stdout.split()
    check("limits: no process a test started is left", not leaked,
          "pids %s" % b" ".join(leaked).decode())
    left = []
    with open(log, encoding="utf-8") as f:
        for line in f:
            scratch, pid = line.split()
            if os.path.exists(scratch):
                left.append(scratch)
            for top in ["/sys/fs/cgroup"] + [os.path.join("/sys/fs/cgroup", d)
                                             for d in os.listdir("/sys/fs/cgroup")]:
                if os.path.isdir(os.path.join(top, "mc-test-" + pid)):
                    left.append(os.path.join(top, "mc-test-" + pid))
    check("limits: no scratch directory or cgroup of a test is left", not left, " ".join(left))
    status, text = grade(sub, os.path.join(WORK, "deadline-out"), "02", "--timeout", "2",
                         "--budget", "1000", "--deadline", "3")
    check("limits: after --deadline no test runs, and the report says why",
          status == 0 and "not run: grading's deadline (3 s) passed" in text, text[-2000:])


def test_unprivileged(course):
    """Root here and nobody in the VM, through the Gradescope bundle."""
    ag = os.path.join(WORK, "autograder")
    status, text = run([sys.executable, os.path.join(ROOT, "scripts", "autograder", "bundle.py"),
                        os.path.join(WORK, "autograder.zip")])
    check("unprivileged: make autograder's zip is made", status == 0, text)
    os.makedirs(os.path.join(ag, "source"))
    unzip(os.path.join(WORK, "autograder.zip"), os.path.join(ag, "source"))
    for name in ("setup.sh", "run_autograder"):
        check("unprivileged: the zip has an executable %s" % name,
              os.access(os.path.join(ag, "source", name), os.X_OK))
    submissions.write(os.path.join(ag, "submission"), course, submissions.SOLVED,
                      submissions.HALF)
    os.makedirs(os.path.join(ag, "results"))
    source = os.path.join(ag, "source")
    # What setup.sh does, without installing packages or downloading the
    # kernel again (the VM's cache of this tree is used: MC_VM_DIR).
    status, text = run(["make", "-s", "rootfs", "probe"], cwd=source)
    check("unprivileged: the bundle builds its root filesystem", status == 0, text[-1500:])
    # As root, on this machine, with the bundle's own grader.
    work = os.path.join(source, "build", "grade", "work")
    status, text = run([sys.executable, "scripts/grade.py", "--submission",
                        os.path.join(ag, "submission"), "--out", os.path.join(WORK, "root-out"),
                        "--work", work, "--vm", "never"], cwd=source)
    check("unprivileged: graded as root on this machine", status == 0, text[-2000:])
    as_root, data = scores(os.path.join(WORK, "root-out"))
    total = sum(as_root.values())
    check("unprivileged: the submission scores neither nothing nor everything (%s of %s)"
          % (total, data["max_score"]), 0 < total < data["max_score"])
    # As nobody without capabilities: Gradescope's run_autograder (the builds
    # root made are reused: same sources, same variants).
    subprocess.run(["chown", "-R", "nobody:nogroup", ag], check=True)
    status, text = run([sys.executable, "scripts/grade.py", "--submission",
                        os.path.join(ag, "submission"), "--out", os.path.join(ag, "refused"),
                        "--work", work, "--vm", "never"], cwd=source, user="nobody")
    check("unprivileged: without root and --vm never, the preflight refuses to grade, saying why",
          status == 2 and "scores would be wrong here" in text and "not root" in text, text)
    vmdir = os.environ.get("MC_VM_DIR", os.path.join(ROOT, "build", "vm"))
    start = time.monotonic()
    status, text = run([os.path.join(source, "run_autograder")], cwd=source, user="nobody",
                       env={"AUTOGRADER_ROOT": ag, "MC_VM_DIR": vmdir, "HOME": ag})
    seconds = time.monotonic() - start
    print("        run_autograder as nobody: %.0f s" % seconds)
    check("unprivileged: run_autograder as nobody graded in the VM",
          status == 0 and "Tests ran in the VM" in text, text[-3000:])
    as_nobody, _ = scores(os.path.join(ag, "results"))
    differ = {n: (as_root[n], as_nobody.get(n)) for n in as_root if as_root[n] != as_nobody.get(n)}
    check("unprivileged: the same score for every exercise as root and as nobody",
          not differ and as_nobody, "root vs nobody: %s" % differ)


def test_handout(course):
    dest = os.path.join(WORK, "handout")
    status, text = run(["make", "-s", "handout", "DEST=" + dest])
    check("handout: make handout", status == 0, text)
    status, text = run([sys.executable, os.path.join(ROOT, "scripts", "handout.py"), "--check",
                        dest])
    check("handout: no solution code and no 'line N of the reference' in it", status == 0,
          text[-3000:])
    check("handout: the instructor's tools are left out",
          not os.path.exists(os.path.join(dest, "scripts", "gen-exercises.py")) and
          not os.path.exists(os.path.join(dest, "tests", "grading")))
    status, text = run(["make", "-s", "exercises"], cwd=dest)
    check("handout: make exercises refuses (an instructor's target)",
          status != 0 and "an instructor's target" in text, text)
    status, text = run(["make", "-s", "-j2", "tests", "rootfs"], cwd=dest)
    check("handout: it builds", status == 0, text[-2000:])
    status, text = run(["make", "-s", "grade", "GRADE_FLAGS=--expect zero --vm never"], cwd=dest)
    check("handout: its tests run and its untouched skeleton grades 0",
          status == 0 and re.search(r"Total: 0 / \d+ points", text) and " passed, " in text,
          text[-3000:])
    status, text = run(["make", "-s", "student"], cwd=dest)
    check("handout: make student builds from exercises/",
          status == 0 and os.access(os.path.join(dest, "build", "student", "bin",
                                                 "minicontainer"), os.X_OK), text[-2000:])
    status, text = run(["make", "-s", "student", "STUDENT_BUILD=" + os.path.join(WORK, "student")])
    check("handout: make student works in the full tree too", status == 0, text[-2000:])


def test_exercises(course):
    dest = os.path.join(WORK, "clone")
    copy_course(dest)
    path = os.path.join(dest, "exercises", "03-overlayfs", "whiteout.c")
    with open(path, "a", encoding="utf-8") as f:
        f.write("/* my work */\n")
    with open(os.path.join(dest, "chapters", "03-overlayfs", "whiteout.c"), "a",
              encoding="utf-8") as f:
        f.write("/* the reference changed */\n")
    status, text = run(["make", "-s", "exercises"], cwd=dest)
    with open(path, encoding="utf-8") as f:
        kept = "/* my work */" in f.read()
    check("exercises: make exercises refuses to overwrite an edited file",
          status != 0 and kept and "whiteout.c" in text, text)
    status, text = run(["make", "-s", "exercises", "FORCE=1"], cwd=dest)
    with open(path, encoding="utf-8") as f:
        kept = "/* my work */" in f.read()
    check("exercises: FORCE=1 overwrites it", status == 0 and not kept, text)


def test_vm_tmp(course):
    clone = tempfile.mkdtemp(prefix="mc-clone-", dir="/tmp")
    shared = tempfile.mkdtemp(prefix="mc-share-", dir="/tmp")
    try:
        with open(os.path.join(clone, "in-the-clone"), "w") as f:
            f.write("here\n")
        status, text = run([os.path.join(ROOT, "tests", "vm", "run-in-vm.sh"), "--share", shared,
                            "--", "sh", "-c", "cat in-the-clone && echo x > in-the-clone && "
                            "echo out > %s/from-the-vm" % shared], cwd=clone)
        with open(os.path.join(clone, "in-the-clone")) as f:
            untouched = f.read() == "here\n"
        check("vm-tmp: a command runs in a directory under /tmp in the VM",
              status == 0 and "here" in text, text[-1500:])
        check("vm-tmp: what it writes there stays in the VM", untouched)
        check("vm-tmp: --share DIR is written through",
              os.path.exists(os.path.join(shared, "from-the-vm")))
    finally:
        shutil.rmtree(clone, ignore_errors=True)
        shutil.rmtree(shared, ignore_errors=True)


def test_docs(course):
    """The READMEs' chapter tables list what exists."""
    with open(os.path.join(ROOT, "exercises", "README.md"), encoding="utf-8") as f:
        rows = re.findall(r"^\| \[(\d\d) [^]]*\]\((\d\d-[\w-]+)/README\.md\) \|[^|]*\| (\d+) \|$",
                          f.read(), re.M)
    listed = {name: int(points) for _, name, points in rows}
    actual = {ch.name: sum(ex["points"] for ex in ch.exercises) for ch in course}
    check("docs: exercises/README.md's table lists every chapter with exercises, with its points",
          listed == actual, "table %s, exercises %s" % (listed, actual))
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    chapters = sorted(d for d in os.listdir(os.path.join(ROOT, "chapters")) if re.match(r"\d\d-", d))
    linked = re.findall(r"^\| \[\d\d [^]]*\]\(chapters/(\d\d-[\w-]+)/README\.md\) \|[^|]*\| "
                        r"`build/bin/ch(\d\d-[\w-]+)` \|", text, re.M)
    check("docs: README.md's chapter table links every chapter that exists, with its demo",
          sorted(a for a, _ in linked) == chapters and all(a == b for a, b in linked),
          "linked %s, chapters %s" % (linked, chapters))
    others = re.findall(r"^\| (\d\d) \w+ \|[^|]*\| ([^|]*) \|", text, re.M)
    check("docs: a chapter not written yet names no demo",
          all("build/bin" not in demo for _, demo in others), "%s" % others)


TESTS = {"docs": test_docs, "tamper": test_tamper, "together": test_together, "limits": test_limits,
         "exercises": test_exercises, "handout": test_handout, "vm-tmp": test_vm_tmp,
         "unprivileged": test_unprivileged}


def main():
    global WORK
    names = sys.argv[1:] or list(TESTS)
    unknown = [n for n in names if n not in TESTS]
    if unknown:
        print("test-grading: no test %s; there are: %s" % (" ".join(unknown), " ".join(TESTS)))
        return 2
    if os.geteuid() != 0:
        print("test-grading: SKIP: needs root: run sudo make check-grading")
        return 1 if os.environ.get("MC_TEST_STRICT") == "1" else 77
    course = mcgrade.load_course(ROOT)
    WORK = tempfile.mkdtemp(prefix="mc-grading-", dir="/var/tmp")
    os.chmod(WORK, 0o755)
    start = time.monotonic()
    try:
        for name in names:
            t = time.monotonic()
            print("=== %s" % name, flush=True)
            try:
                TESTS[name](course)
            except Exception as e:  # a check that cannot even run is a failure
                check("%s: ran to the end" % name, False, "%s: %s" % (type(e).__name__, e))
            print("    %s took %.0f s" % (name, time.monotonic() - t), flush=True)
    finally:
        if os.environ.get("MC_KEEP_GRADING") != "1":
            shutil.rmtree(WORK, ignore_errors=True)
    print("===")
    print("test-grading: %.0f s" % (time.monotonic() - start))
    if failed:
        print("failing: %s" % " ".join(failed))
    print("%d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
