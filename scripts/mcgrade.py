"""mcgrade - grading exercises the way a course can trust (used by grade.py,
grade-batch and check-exercises.py; see exercises/README.md).

The pieces, in the order grading uses them:

  Course        the exercises, read from the instructor's chapters/ (the
                EXERCISE markers), never from a submission's exercises.json;
                in a handout tree (no reference solutions) from the
                committed manifests instead.
  intake        takes only the exercise source files out of a submission
                (regular files, by their known names), nothing else.
  assemble      one exercise's code from the student's file, every other
                exercise's from the reference: a score for one exercise
                never depends on another.
  Builder       builds those variants with the instructor's Makefile and
                tests, one build directory, one object recompiled per variant.
  Runner        runs each test in a process of its own, with a time limit
                and a budget per chapter, and cleans up what a killed test
                left: its processes, its scratch directory, its cgroups.
  preflight     is this machine able to run the tests (root, capabilities,
                cgroups, overlayfs)?  If not, the tests run in the qemu VM
                of tests/vm/, which needs no privileges at all.
  reports       the table, results.json (Gradescope's format), junit.xml.
"""

import ctypes
import difflib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSED_MARK = "[  PASSED  ] 1 test"
OUTPUT_TAIL_LINES = 40
JUNIT_MAX_CHARS = 64 * 1024
MAX_SUBMITTED_FILE = 1024 * 1024
XML_INVALID_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Time limits, in seconds on an idle machine (see Limits).
DEFAULT_TIMEOUT = 10
DEFAULT_BUDGET = 60
# Under the VM's TCG emulation everything runs about 20 times slower.
DEFAULT_VM_SLOWDOWN = 20


class GradeError(Exception):
    """Grading cannot go on; str() says why and what to do."""


def log(message):
    print(message, file=sys.stderr, flush=True)


def fmt_points(x):
    """3.0 -> '3', 1.5 -> '1.5', 0.6666 -> '0.67'."""
    return ("%.2f" % x).rstrip("0").rstrip(".")


# --- the course ------------------------------------------------------------------


def load_generator(root):
    """scripts/gen-exercises.py as a module (its name has a dash)."""
    path = os.path.join(root, "scripts", "gen-exercises.py")
    spec = importlib.util.spec_from_file_location("gen_exercises", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Chapter:
    """One chapter's exercises and the files that hold them.

    files: {name: {"shared", "skeleton" (lines), "cuts", "reference" (text)}}
    in a tree with the reference; None in a handout tree.
    """

    def __init__(self, name, exercises, files):
        self.name = name
        self.num = name.split("-")[0]
        self.exercises = exercises
        self.files = files
        self.by_id = {ex["id"]: ex for ex in exercises}
        self.by_number = {ex["number"]: ex for ex in exercises}

    @property
    def has_reference(self):
        return self.files is not None

    @property
    def file_names(self):
        if self.files is not None:
            return sorted(self.files)
        return sorted({ex["file"] for ex in self.exercises})

    def reference_text(self, name):
        return assemble(self.files[name], None, set())

    def exercise(self, key):
        return self.by_id.get(key) or self.by_number.get(key)


def chapter_dirs(root):
    """The chapters that have exercises: chapters/NN-topic with exercises/NN-topic."""
    names = []
    for name in sorted(os.listdir(os.path.join(root, "chapters"))):
        if re.match(r"^\d\d-", name) and os.path.isfile(
                os.path.join(root, "exercises", name, "exercises.json")):
            names.append(name)
    return names


def load_course(root=ROOT, only=None):
    """[Chapter] for the chapters named in only (numbers or names), or all."""
    gen = None
    chapters = []
    for name in chapter_dirs(root):
        if only and name.split("-")[0] not in only and name not in only:
            continue
        chapter_dir = os.path.join(root, "chapters", name)
        if has_solutions(chapter_dir):
            if gen is None:
                gen = load_generator(root)
            try:
                _, _, _, model, exercises = gen.chapter_model(chapter_dir)
            except gen.MarkerError as e:
                raise GradeError("the exercise markers are broken: %s" % e)
            files = {}
            for file_name, info in model.items():
                files[file_name] = {"shared": info["shared"],
                                    "skeleton": info["skeleton"].split("\n"),
                                    "cuts": info["cuts"]}
            chapters.append(Chapter(name, exercises, files))
        else:
            with open(os.path.join(root, "exercises", name, "exercises.json"),
                      encoding="utf-8") as f:
                exercises = json.load(f)["exercises"]
            for ex in exercises:
                ex.setdefault("needs", [])
            chapters.append(Chapter(name, exercises, None))
    if only:
        missing = [c for c in only if not any(c in (ch.num, ch.name) for ch in chapters)]
        if missing:
            raise GradeError("no chapter %s with exercises" % ", ".join(missing))
    return chapters


def has_solutions(chapter_dir):
    """Does the chapter hold its reference solutions (a full tree, not a handout)?"""
    names = [os.path.join(chapter_dir, n) for n in os.listdir(chapter_dir)]
    common = os.path.join(os.path.dirname(chapter_dir), "common")
    if os.path.isdir(common):
        names += [os.path.join(common, n) for n in os.listdir(common)]
    for path in names:
        if path.endswith((".c", ".h")):
            with open(path, encoding="utf-8", errors="replace") as f:
                if "/* BEGIN SOLUTION */" in f.read():
                    return True
    return False


# --- a submission -------------------------------------------------------------------


class Submission:
    """The exercise files of one submission, and what was odd about them.

    files: {chapter name: {file name: text or None (not submitted)}}.
    """

    def __init__(self, name, files, notes):
        self.name = name
        self.files = files
        self.notes = notes


def read_regular_file(path):
    """The text of a regular file (never through a symlink), or (None, why)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        if e.errno == getattr(os, "ELOOP", 40):
            return None, "is a symbolic link (not taken)"
        return None, "cannot be read: %s" % e.strerror
    try:
        st = os.fstat(fd)
        if not os.path.stat.S_ISREG(st.st_mode):
            return None, "is not a regular file (not taken)"
        if st.st_size > MAX_SUBMITTED_FILE:
            return None, "is larger than %d bytes (not taken)" % MAX_SUBMITTED_FILE
        with os.fdopen(fd, "rb") as f:
            fd = -1
            data = f.read(MAX_SUBMITTED_FILE + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return text, None


def intake(sub_dir, chapters, name=None):
    """Take the exercise files, and only those, out of a submission directory.

    A file NAME of chapter NN-topic is looked for at exercises/NN-topic/NAME
    (a clone of the course), NN-topic/NAME (its exercises/ directory), or NAME
    (the files uploaded one by one, when no other chapter has a file of that
    name).  Nothing else in the submission is read.
    """
    if not os.path.isdir(sub_dir):
        raise GradeError("%s: no such directory" % sub_dir)
    counts = {}
    for ch in chapters:
        for n in ch.file_names:
            counts[n] = counts.get(n, 0) + 1
    files = {}
    notes = []
    for ch in chapters:
        files[ch.name] = {}
        for n in ch.file_names:
            candidates = [os.path.join(sub_dir, "exercises", ch.name, n),
                          os.path.join(sub_dir, ch.name, n)]
            if counts[n] == 1:
                candidates.append(os.path.join(sub_dir, n))
            text = None
            for path in candidates:
                if not os.path.lexists(path):
                    continue
                text, why = read_regular_file(path)
                if why:
                    notes.append("%s %s" % (os.path.relpath(path, sub_dir), why))
                break
            else:
                notes.append("%s/%s was not submitted (graded as the untouched skeleton)"
                             % (ch.name, n))
            files[ch.name][n] = text
    return Submission(name or os.path.basename(os.path.normpath(sub_dir)), files, notes)


# --- one exercise's code, the reference for the others -------------------------------


def assemble(info, student_text, keep):
    """A file with the student's code for the exercises in `keep` and the
    reference code for every other exercise.

    info: a file of Chapter.files (the skeleton's lines and where its stubs
    are).  student_text: the student's copy of the file (None: the untouched
    skeleton).  The student's copy is compared with the skeleton line by
    line: a change that touches (or borders on) the stub of an exercise not
    in `keep` is that exercise's code and is replaced, with the stub, by the
    reference solution; every other change (the kept exercises' code, helper
    functions, includes) stays as the student wrote it.
    """
    base = info["skeleton"]
    cuts = info["cuts"]
    student = base if student_text is None else student_text.split("\n")
    region_of = [None] * len(base)
    for cut in cuts:
        for i in range(cut["start"], cut["end"]):
            region_of[i] = cut
    out = []
    emitted = set()

    def base_line(i):
        cut = region_of[i]
        if cut is None or cut["id"] in keep:
            out.append(base[i])
        elif cut["id"] not in emitted:
            out.extend(cut["solution"])
            emitted.add(cut["id"])

    matcher = difflib.SequenceMatcher(None, base, student, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            touched = [c for c in cuts if i1 <= c["end"] and i2 >= c["start"]]
            if all(c["id"] in keep for c in touched):
                out.extend(student[j1:j2])
                continue
        for i in range(i1, i2):
            base_line(i)
    for cut in cuts:  # a stub the student deleted with everything around it
        if cut["id"] not in keep and cut["id"] not in emitted:
            raise GradeError("internal: the reference of %s was lost" % cut["id"])
    return "\n".join(out)


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- builds ---------------------------------------------------------------------------


class Variant:
    """A build of one chapter's tests: dir/tests/test-chNN and dir/bin/."""

    def __init__(self, chapter, key, directory, error=None):
        self.chapter = chapter
        self.key = key
        self.dir = directory
        self.error = error  # why it did not build, or None

    @property
    def testbin(self):
        return os.path.join(self.dir, "tests", "test-ch%s" % self.chapter.num)

    @property
    def env(self):
        return {"MC_TEST_BIN": os.path.join(self.dir, "bin", "minicontainer")}


def first_compile_error(output):
    lines = output.splitlines()
    for line in lines:
        if " error: " in line or line.startswith("make: ***") or "undefined reference" in line:
            return line.strip()[:300]
    return lines[-1].strip()[:300] if lines else "make failed"


def tree_fingerprint(root):
    """Changes when anything a variant is built from changes (but the exercise
    files, which the variant's key covers): the cached variants of an older
    tree are then never used."""
    h = hashlib.sha256()
    for top in ("chapters", "minicontainer", "tests", "Makefile"):
        path = os.path.join(root, top)
        walk = [(path, [], [""])] if os.path.isfile(path) else sorted(os.walk(path))
        for dirpath, _, names in walk:
            for n in sorted(names):
                try:
                    st = os.stat(os.path.join(dirpath, n))
                except OSError:
                    continue
                h.update(("%s/%s %d %d\n" % (dirpath, n, st.st_size, st.st_mtime_ns)).encode())
    return h.hexdigest()[:16]


def drives_capstone(root, chapter):
    """Do the chapter's tests run minicontainer (MC_TEST_BIN, or the binary next
    to the test program)?  Then a variant builds it from the same sources."""
    tests = os.path.join(root, "tests")
    for n in os.listdir(tests):
        if n.startswith(("test_ch%s_" % chapter.num, "ch%s_" % chapter.num)) and n.endswith(".c"):
            with open(os.path.join(tests, n), encoding="utf-8", errors="replace") as f:
                text = f.read()
            if "MC_TEST_BIN" in text or '"minicontainer"' in text:
                return True
    return False


class Builder:
    """Builds variants of the chapters with the instructor's Makefile.

    One build directory (work/build) and one source directory (work/src,
    the Makefile's EXERCISES_DIR with STUDENT=all) hold every chapter's
    exercise files; a variant rewrites the files that differ and removes
    their objects, so make recompiles just those and relinks.  The binaries
    are then copied to work/variants/KEY, KEY being a hash of every source
    file the variant was built from: the same sources are built once.
    """

    def __init__(self, work, chapters, root=ROOT, werror=False, quiet=False):
        self.root = root
        self.work = os.path.abspath(work)
        self.src = os.path.join(self.work, "src")
        self.build_dir = os.path.join(self.work, "build")
        self.variants_dir = os.path.join(self.work, "variants")
        self.werror = werror
        self.quiet = quiet
        self.all_chapters = chapters
        self.reference = {}
        self.current = {}
        self.cache = {}
        self.tree = tree_fingerprint(root)
        for ch in chapters:
            if ch.has_reference:
                self.reference[ch.name] = {n: ch.reference_text(n) for n in ch.file_names}

    def forget(self):
        """Remove the built variants (grade-batch, between submissions)."""
        shutil.rmtree(self.variants_dir, ignore_errors=True)
        self.cache = {}

    def object_path(self, chapter, name):
        own = os.path.exists(os.path.join(self.root, "chapters", chapter.name, name))
        sub = chapter.name if own else "common"
        return os.path.join(self.build_dir, "obj", sub, name[:-2] + ".o")

    def put(self, chapter, name, text):
        if self.current.get((chapter.name, name)) == text:
            return
        d = os.path.join(self.src, chapter.name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(text)
        self.current[(chapter.name, name)] = text
        try:
            os.unlink(self.object_path(chapter, name))
        except FileNotFoundError:
            pass

    def variant(self, chapter, texts, others=None):
        """Build chapter's tests from texts ({file: text}); every other chapter
        from others ({chapter name: {file: text}}) or else the reference."""
        wanted = []
        for ch in self.all_chapters:
            for n in ch.file_names:
                if ch.name == chapter.name:
                    text = texts[n]
                elif others and ch.name in others:
                    text = others[ch.name][n]
                else:
                    text = self.reference[ch.name][n]
                wanted.append((ch, n, text))
        h = hashlib.sha256((self.tree + chapter.name).encode())
        for ch, n, text in wanted:
            h.update(("\0%s/%s\0" % (ch.name, n)).encode() + text.encode("utf-8"))
        key = h.hexdigest()[:20]
        if key in self.cache:
            return self.cache[key]
        directory = os.path.join(self.variants_dir, key)
        done = os.path.join(directory, ".done")
        if os.path.exists(done):
            with open(done, encoding="utf-8") as f:
                error = f.read() or None
            v = self.cache[key] = Variant(chapter, key, directory, error)
            return v
        for ch, n, text in wanted:
            self.put(ch, n, text)
        v = self.cache[key] = Variant(chapter, key, directory, self.make(chapter, directory))
        with open(done, "w", encoding="utf-8") as f:
            f.write(v.error or "")
        return v

    def targets(self, chapter):
        """The chapter's test program, its demo, and the capstone if its tests run it."""
        found = ["%s/tests/test-ch%s" % (self.build_dir, chapter.num),
                 "%s/bin/ch%s" % (self.build_dir, chapter.name)]
        if drives_capstone(self.root, chapter):
            found.append("%s/bin/minicontainer" % self.build_dir)
        return found

    def make(self, chapter, directory):
        """Run make; copy the binaries to directory.  Returns the error or None."""
        env = dict(os.environ, CFLAGS="-O2", WERROR="-Werror" if self.werror else "")
        env.pop("SANITIZE", None)
        env.pop("MAKEFLAGS", None)
        env.pop("MFLAGS", None)
        argv = ["make", "-C", self.root, "--no-print-directory", "-j2", "STUDENT=all",
                "EXERCISES_DIR=" + self.src, "BUILD=" + self.build_dir] + self.targets(chapter)
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env=env)
        os.makedirs(os.path.join(directory, "tests"), exist_ok=True)
        os.makedirs(os.path.join(directory, "bin"), exist_ok=True)
        output = proc.stdout.decode("utf-8", errors="replace")
        with open(os.path.join(directory, "build.log"), "w", encoding="utf-8") as f:
            f.write(output)
        if proc.returncode != 0:
            return "does not compile: %s" % first_compile_error(output)
        for t in self.targets(chapter):
            sub = "tests" if "/tests/" in t else "bin"
            shutil.copy2(t, os.path.join(directory, sub, os.path.basename(t)))
        return None


# --- running tests -------------------------------------------------------------------


class Result:
    """The outcome of running one test."""

    def __init__(self, passed, reason="", output="", seconds=0.0):
        self.passed = passed
        self.reason = reason  # one line, empty when passed
        self.output = output
        self.seconds = seconds

    def to_json(self):
        return {"passed": self.passed, "reason": self.reason, "output": self.output,
                "seconds": round(self.seconds, 3)}

    @classmethod
    def from_json(cls, d):
        return cls(d["passed"], d["reason"], d["output"], d["seconds"])


class Limits:
    """Time limits: per test and per chapter, in seconds on an idle machine.

    They are stretched by the machine's load (the 1-minute load average per
    core, between 1 and 8), so that a loaded machine does not fail correct
    code, and by `slowdown` in the VM (TCG emulates every instruction).
    """

    def __init__(self, timeout=DEFAULT_TIMEOUT, budget=DEFAULT_BUDGET, slowdown=1.0,
                 deadline=None):
        self.timeout = timeout
        self.budget = budget
        self.slowdown = slowdown
        # Seconds (wall clock, not stretched) for all the tests of one grading,
        # from when the first runs: what is left then is not run.
        self.deadline = deadline
        self.started = None

    def left(self):
        """Seconds before the deadline (None: no deadline)."""
        if self.deadline is None:
            return None
        if self.started is None:
            self.started = time.monotonic()
        return self.deadline - (time.monotonic() - self.started)

    def scale(self):
        try:
            load = os.getloadavg()[0] / (os.cpu_count() or 1)
        except OSError:
            load = 1.0
        return min(max(load, 1.0), 8.0) * self.slowdown

    def describe(self):
        s = self.scale()
        text = "%s s per test, %s s per chapter" % (fmt_points(self.timeout),
                                                   fmt_points(self.budget))
        if s > 1.01:
            text += " (x%s: %s)" % (fmt_points(s), "the VM's emulation and the machine's load"
                                   if self.slowdown > 1 else "the machine's load")
        return text

    def to_json(self):
        return {"timeout": self.timeout, "budget": self.budget, "slowdown": self.slowdown,
                "deadline": self.deadline}


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Orphans of the tests (a container's processes) become our children, so
    that nothing a test started can outlive it unseen."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def descendants(pid):
    """The pids of every process below pid (by parent pid, from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read().decode("ascii", errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) < 2 or fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_leftovers(exclude):
    """SIGKILL every process below us (but exclude), until none is left."""
    me = os.getpid()
    for _ in range(50):
        pids = [p for p in descendants(me) if p != exclude]
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap()
        time.sleep(0.05)


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def mounts_under(path):
    """Mount points at or below path, deepest first (from our mountinfo)."""
    found = []
    prefix = path.rstrip("/") + "/"
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                point = line.split()[4].replace("\\040", " ")
                if point == path or point.startswith(prefix):
                    found.append(point)
    except OSError:
        pass
    return sorted(found, key=len, reverse=True)


def remove_scratch(path):
    """Remove a test's scratch directory: unmount what is left there first,
    never follow a mount out of it."""
    for point in mounts_under(path):
        subprocess.run(["umount", "-l", point], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if mounts_under(path):
        log("grade: mounts remain under %s; not removing it" % path)
        return
    subprocess.run(["rm", "-rf", "--one-file-system", path], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def remove_test_cgroups(pid):
    """The per-run cgroup parent the tests make, mc-test-PID (tests/test_ch02_cgroups.c),
    in every hierarchy: a killed test could not remove it."""
    base = "/sys/fs/cgroup"
    name = "mc-test-%d" % pid
    tops = [base] + [os.path.join(base, d) for d in
                     (os.listdir(base) if os.path.isdir(base) else [])]
    for top in tops:
        d = os.path.join(top, name)
        if not os.path.isdir(d) or os.path.islink(top):
            continue
        for dirpath, _, _ in sorted(os.walk(d), key=lambda w: -len(w[0])):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass


def failure_reason(returncode, output, seconds, timed_out):
    """One line saying why a test that did not pass failed."""
    if timed_out:
        return "timed out after %s s (killed)" % fmt_points(seconds)
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return "crashed: killed by signal %s" % name
    lines = output.splitlines()
    for line in lines:
        if ": no test named " in line:
            return "the test program has no such test (is the course tree up to date?)"
        if "[  SKIP    ] reason:" in line:
            return "skipped (counts as failed): %s" % line.split("reason:", 1)[1].strip()
    where = ""
    message = ""
    for line in lines:
        m = re.search(r"\[   LINE   \] --- (\S+:\d+): error", line)
        if m and not where:
            where = m.group(1)
        m = re.search(r"(?:^|\] )ERROR: (.*)$", line) or re.search(
            r"\[  ERROR   \] --- (?!\[)(.+)$", line)
        if m and not message:
            message = m.group(1).strip()
    if message or where:
        return ("%s: %s" % (where, message) if where and message else message or
                "failed at %s" % where)[:300]
    for line in lines:
        if line.startswith(("[ RUN", "[==", "[  PASSED", "[  FAILED")):
            continue
        if re.search(r"FAIL|[Ee]rror|assert", line):
            return line.strip()[:300]
    if returncode:
        return "exited with status %d" % returncode
    return "exited with status 0 but did not print '%s'" % PASSED_MARK


def make_scratch():
    """An empty /tmp/mc-test-XXXXXX for one test (tests/harness.c uses it as its
    temporary directory): no longer a name than the harness's own, because the
    capstone's unix sockets live below it and sun_path has 108 bytes."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    for _ in range(100):
        suffix = "".join(alphabet[b % len(alphabet)] for b in os.urandom(6))
        path = "/tmp/mc-test-" + suffix
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            continue
        os.chmod(path, 0o755)  # the user-namespace tests run as uid 100000
        return path
    raise GradeError("cannot make a directory /tmp/mc-test-XXXXXX")


class Runner:
    """Runs single tests (TESTBIN --run NAME) one after the other."""

    def __init__(self, limits, root=ROOT, env=None):
        self.limits = limits
        self.root = root
        self.env = env or {}
        self.spent = {}  # chapter -> seconds
        become_subreaper()

    def run(self, chapter, testbin, name, env):
        """Run one test; a Result."""
        budget_left = self.limits.budget * self.limits.scale() - self.spent.get(chapter, 0)
        if budget_left <= 0:
            return Result(False, "not run: chapter %s used up its time budget (%s s)"
                          % (chapter, fmt_points(self.limits.budget * self.limits.scale())))
        deadline_left = self.limits.left()
        if deadline_left is not None and deadline_left <= 0:
            return Result(False, "not run: grading's deadline (%s s) passed"
                          % fmt_points(self.limits.deadline))
        timeout = min(self.limits.timeout * self.limits.scale(), budget_left,
                      deadline_left if deadline_left is not None else budget_left)
        scratch = make_scratch()
        full_env = dict(os.environ, MC_TEST_STRICT="1", MC_TEST_TMPDIR=scratch)
        full_env.update(self.env)
        full_env.update(env)
        start = time.monotonic()
        proc = subprocess.Popen([testbin, "--run", name], cwd=self.root,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
        timed_out = False
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Over time, or something it started still holds the output open.
            timed_out = proc.poll() is None
            kill_leftovers(exclude=None)
            try:
                out, _ = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
        seconds = time.monotonic() - start
        if os.environ.get("MC_GRADE_LOG"):  # for tests/grading: what to check is gone
            with open(os.environ["MC_GRADE_LOG"], "a", encoding="utf-8") as f:
                f.write("%s %d\n" % (scratch, proc.pid))
        kill_leftovers(exclude=None)
        reap()
        remove_scratch(scratch)
        if os.geteuid() == 0:
            remove_test_cgroups(proc.pid)
        self.spent[chapter] = self.spent.get(chapter, 0) + seconds
        output = out.decode("utf-8", errors="replace")
        if not timed_out and proc.returncode == 0 and PASSED_MARK in output:
            return Result(True, "", output, seconds)
        return Result(False, failure_reason(proc.returncode, output, seconds, timed_out),
                      output, seconds)


# --- what the machine can do ------------------------------------------------------------

CAPS_NEEDED = {21: "CAP_SYS_ADMIN", 12: "CAP_NET_ADMIN", 27: "CAP_MKNOD",
               18: "CAP_SYS_CHROOT", 7: "CAP_SETUID", 6: "CAP_SETGID"}


def effective_caps():
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except OSError:
        pass
    return 0


def cgroup_problem():
    """Why this process cannot make a cgroup, or None."""
    base = "/sys/fs/cgroup"
    if os.path.exists(os.path.join(base, "cgroup.controllers")):
        where = base  # cgroup v2
    elif os.path.isdir(os.path.join(base, "memory")):
        where = os.path.join(base, "memory")  # v1 or hybrid
    else:
        return "no cgroup hierarchy at %s" % base
    probe = os.path.join(where, "mc-preflight-%d" % os.getpid())
    try:
        os.mkdir(probe)
    except OSError as e:
        return "cannot create a cgroup in %s: %s" % (where, e.strerror)
    try:
        os.rmdir(probe)
    except OSError:
        pass
    return None


def overlay_problem():
    """Why an overlayfs cannot be mounted under /tmp (the tests' place), or None."""
    d = tempfile.mkdtemp(prefix="mc-preflight-")
    try:
        for sub in ("lower", "upper", "work", "merged"):
            os.mkdir(os.path.join(d, sub))
        opts = "lowerdir={0}/lower,upperdir={0}/upper,workdir={0}/work".format(d)
        proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "mount", "-t",
                               "overlay", "overlay", "-o", opts, d + "/merged"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            said = proc.stdout.decode(errors="replace").strip().splitlines()
            return "cannot mount an overlayfs in %s: %s" % (
                tempfile.gettempdir(), said[-1] if said else "mount failed")
    except FileNotFoundError:
        return "unshare(1) is missing (util-linux)"
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return None


def preflight():
    """What stops the tests from running here: a list of one-line reasons."""
    problems = []
    if os.geteuid() != 0:
        problems.append("not root (the tests make namespaces, mounts and cgroups)")
        return problems
    caps = effective_caps()
    missing = [name for bit, name in sorted(CAPS_NEEDED.items()) if not caps & (1 << bit)]
    if missing:
        problems.append("root without %s (a container without privileges?)" % ", ".join(missing))
        return problems
    for check in (cgroup_problem, overlay_problem):
        why = check()
        if why:
            problems.append(why)
    return problems


def vm_problem(root=ROOT):
    """Why the tests cannot run in the VM, or None."""
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
    if not os.path.isfile(os.path.join(root, "tests", "vm", "run-in-vm.sh")):
        return "tests/vm/run-in-vm.sh is missing"
    return None


# --- reports ----------------------------------------------------------------------------------


class Graded:
    """One exercise's grade: its tests' results, its score, notes."""

    def __init__(self, chapter, exercise, results, notes=None):
        self.chapter = chapter
        self.exercise = exercise
        self.results = results  # [(test name, Result)]
        self.notes = notes or []
        self.passed = sum(1 for _, r in results if r.passed)
        self.score = round(exercise["points"] * self.passed / len(results), 2)

    @property
    def full(self):
        return self.passed == len(self.results)

    @property
    def label(self):
        return "%s %s" % (self.exercise["number"], self.exercise["id"])


def status_text(g):
    failed = len(g.results) - g.passed
    if not failed:
        return "ok"
    return "FAIL (%d of %d tests fail)" % (failed, len(g.results))


def table_text(graded, header_lines=()):
    """The human-readable report."""
    head = ("Exercise", "Title", "Points", "Status")
    rows = [(g.label, g.exercise["title"],
             "%s/%s" % (fmt_points(g.score), fmt_points(g.exercise["points"])),
             status_text(g)) for g in graded]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(3)]

    def row_line(row):
        return "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3]

    lines = list(header_lines)
    lines += [row_line(head), row_line(tuple("-" * w for w in widths) + ("-" * 6,))]
    for g, row in zip(graded, rows):
        lines.append(row_line(row))
        for name, result in g.results:
            if not result.passed:
                lines.append("    %s: %s" % (name, result.reason))
        for note in g.notes:
            lines.append("    note: %s" % note)
    score = sum(g.score for g in graded)
    possible = sum(g.exercise["points"] for g in graded)
    tests = [r for g in graded for _, r in g.results]
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
        ex = g.exercise
        lines = []
        for name, result in g.results:
            if result.passed:
                lines.append("PASS %s" % name)
                continue
            lines.append("FAIL %s: %s" % (name, result.reason))
            if result.output.strip():
                lines.append("--- last %d lines of output ---" % OUTPUT_TAIL_LINES)
                lines.append(tail(result.output, OUTPUT_TAIL_LINES))
                lines.append("---")
        for note in g.notes:
            lines.append("note: %s" % note)
        tests.append({
            "name": "%s %s: %s" % (ex["number"], ex["id"], ex["title"]),
            "number": ex["number"],
            "score": g.score,
            "max_score": ex["points"],
            "status": "passed" if g.full else "failed",
            "output": "\n".join(lines) + "\n",
        })
    return {
        "score": round(sum(g.score for g in graded), 2),
        "max_score": sum(g.exercise["points"] for g in graded),
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
        failures = len(g.results) - g.passed
        suite = ET.SubElement(root, "testsuite", name=g.label, tests=str(len(g.results)),
                              failures=str(failures), errors="0")
        for name, result in g.results:
            case = ET.SubElement(suite, "testcase",
                                 classname="%s.%s" % (g.chapter, g.exercise["id"]),
                                 name=name, time="%.3f" % result.seconds)
            if not result.passed:
                failure = ET.SubElement(case, "failure", message=xml_text(result.reason))
                failure.text = xml_text(result.output)
    root.set("tests", str(sum(len(g.results) for g in graded)))
    root.set("failures", str(sum(len(g.results) - g.passed for g in graded)))
    ET.indent(root)
    return ET.ElementTree(root)


def write_reports(out_dir, graded, summary):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as f:
        json.dump(gradescope_json(graded, summary), f, indent=2)
        f.write("\n")
    junit_tree(graded).write(os.path.join(out_dir, "junit.xml"), encoding="utf-8",
                             xml_declaration=True)
    with open(os.path.join(out_dir, "report.txt"), "w", encoding="utf-8") as f:
        f.write(summary)


# --- grading one submission -------------------------------------------------------------------


def skeleton_or(chapter, name, text):
    """The student's text, or the untouched skeleton when there is none."""
    if text is not None:
        return text
    if chapter.has_reference:
        return "\n".join(chapter.files[name]["skeleton"])
    with open(os.path.join(ROOT, "exercises", chapter.name, name), encoding="utf-8") as f:
        return f.read()


class Plan:
    """The tests to run: (variant, test name) pairs, each once."""

    def __init__(self):
        self.tasks = {}  # id -> (variant, test)

    def add(self, variant, test):
        tid = "%s/%s" % (variant.key, test)
        self.tasks.setdefault(tid, (variant, test))
        return tid

    def to_json(self, limits):
        return {"limits": limits.to_json(), "tasks": [
            {"id": tid, "chapter": v.chapter.num, "testbin": v.testbin, "test": t,
             "env": v.env} for tid, (v, t) in self.tasks.items() if v.error is None]}


def plan_submission(builder, chapters, sub, combined):
    """Build what grading sub needs; returns (plan, per-exercise task ids)."""
    plan = Plan()
    independent = {}  # (chapter, id) -> (variant, [task ids])
    together = {}  # chapter -> (variant, {test: task id})
    for ch in chapters:
        files = sub.files[ch.name]
        student = {n: skeleton_or(ch, n, files.get(n)) for n in ch.file_names}
        if ch.has_reference:
            log("grade: building chapter %s: each exercise with the reference for the others%s"
                % (ch.num, ", and your code as it is" if combined else ""))
            for ex in ch.exercises:
                texts = {n: (assemble(ch.files[n], files.get(n), {ex["id"]})
                             if n == ex["file"] else builder.reference[ch.name][n])
                         for n in ch.file_names}
                v = builder.variant(ch, texts)
                independent[(ch.name, ex["id"])] = (v, [plan.add(v, t) for t in ex["tests"]])
        if combined or not ch.has_reference:
            others = None
            if not ch.has_reference:  # a handout: the student's code for every chapter
                others = {c.name: {n: skeleton_or(c, n, sub.files.get(c.name, {}).get(n))
                                   for n in c.file_names} for c in builder.all_chapters}
            if not ch.has_reference:
                log("grade: building chapter %s from your code" % ch.num)
            v = builder.variant(ch, student, others)
            tests = sorted({t for ex in ch.exercises for t in ex["tests"]})
            together[ch.name] = (v, {t: plan.add(v, t) for t in tests})
    return plan, independent, together


def progress(prefix, i, total, chapter, test):
    """One line per test; on a terminal, one line that counts."""
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K%s[%d/%d] %s %s" % (prefix, i, total, chapter, test))
        if i == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    else:
        log("%s[%d/%d] %s %s" % (prefix, i, total, chapter, test))


def run_plan_locally(plan, runner):
    results = {}
    total = len(plan.tasks)
    for i, (tid, (v, test)) in enumerate(plan.tasks.items()):
        progress("grade: ", i + 1, total, v.chapter.num, test)
        if v.error:
            results[tid] = Result(False, v.error)
            continue
        results[tid] = runner.run(v.chapter.num, v.testbin, test, v.env)
    return results


def run_plan_in_vm(plan, limits, work, root=ROOT):
    """Run the plan's tests in the qemu VM (tests/vm/): it needs no privileges."""
    results = {tid: Result(False, v.error) for tid, (v, _) in plan.tasks.items() if v.error}
    data = plan.to_json(limits)
    if not data["tasks"]:
        return results
    plan_path = os.path.join(work, "vm-plan.json")
    out_path = os.path.join(work, "vm-results.json")
    with open(plan_path, "w", encoding="utf-8") as f:
        json.dump(data, f)
    try:
        os.unlink(out_path)
    except FileNotFoundError:
        pass
    chapters = len({t["chapter"] for t in data["tasks"]})
    deadline = int(600 + chapters * limits.budget * limits.slowdown * 1.5)
    if limits.deadline is not None:  # the guest keeps it; this is for a VM that hangs
        deadline = int(limits.deadline + 300)
    argv = [os.path.join(root, "tests", "vm", "run-in-vm.sh"), "--timeout", str(deadline),
            "--share", work, "--", "python3", os.path.join(root, "scripts", "grade.py"),
            "--run-plan", plan_path, "--plan-results", out_path]
    log("grade: running %d tests in the VM (tests/vm/run-in-vm.sh)" % len(data["tasks"]))
    proc = subprocess.run(argv, cwd=root, stdin=subprocess.DEVNULL)
    try:
        with open(out_path, encoding="utf-8") as f:
            got = json.load(f)
    except (OSError, ValueError):
        got = {}
    for task in data["tasks"]:
        r = got.get(task["id"])
        results[task["id"]] = (Result.from_json(r) if r else Result(
            False, "not run: the VM ended early (tests/vm/run-in-vm.sh exit %d)"
            % proc.returncode))
    return results


def execute_plan_file(plan_path, out_path, root=ROOT):
    """In the VM: run the tests of a plan written by run_plan_in_vm."""
    with open(plan_path, encoding="utf-8") as f:
        data = json.load(f)
    limits = Limits(**data["limits"])
    env = {}
    rootfs = prepare_vm_rootfs(root)
    if rootfs:
        env["MC_TEST_ROOTFS"] = rootfs
    runner = Runner(limits, root, env)
    results = {}
    for i, task in enumerate(data["tasks"]):
        progress("grade (vm): ", i + 1, len(data["tasks"]), task["chapter"], task["test"])
        r = runner.run(task["chapter"], task["testbin"], task["test"], task["env"])
        results[task["id"]] = r.to_json()
        with open(out_path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(results, f)
        os.replace(out_path + ".tmp", out_path)
    return 0


def prepare_vm_rootfs(root):
    """A test root filesystem in the VM's own /tmp, owned by its root: the host's
    build/rootfs may not be readable by the (unprivileged) user qemu runs as."""
    probe = os.path.join(root, "build", "probe", "probe")
    target = "/tmp/mc-grade-rootfs"
    if os.path.exists(os.path.join(target, ".complete")):
        return target
    proc = subprocess.run(["sh", os.path.join(root, "scripts", "mkrootfs.sh"), target, probe],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        log("grade (vm): %s" % proc.stdout.decode(errors="replace").strip())
        return None
    return target


def waits_on(ch, ex, independent_full, combined_full):
    """A note for an exercise that is right on its own but fails with the
    student's code for the others, or None."""
    if combined_full.get(ex["id"], True):
        return None
    if independent_full.get(ex["id"]) is None:  # a handout: no independent grade
        failing = [n for n in ex["needs"]
                   if not combined_full.get(ch.by_number[n]["id"], False)]
        if not failing:
            return None
        return "waits on %s: its tests run %s code, which does not pass yet: solve %s first" % (
            ", ".join("%s %s" % (n, ch.by_number[n]["id"]) for n in failing),
            "that exercise's" if len(failing) == 1 else "those exercises'",
            "it" if len(failing) == 1 else "them")
    if not independent_full[ex["id"]]:
        return None
    failing = [n for n in ex["needs"]
               if not independent_full.get(ch.by_number[n]["id"], False)]
    if failing:
        return ("right on its own, but with your code for the other exercises its tests "
                "fail: it waits on %s" % ", ".join("%s %s" % (n, ch.by_number[n]["id"])
                                                   for n in failing))
    return ("right on its own (with the reference for the other exercises), but its tests "
            "fail with your code for the others")


def grade_submission(chapters, sub, builder, limits, where, combined=False):
    """Grade one submission: [Graded].  where: "local" or "vm"."""
    plan, independent, together = plan_submission(builder, chapters, sub, combined)
    if where == "vm":
        results = run_plan_in_vm(plan, limits, builder.work)
    else:
        results = run_plan_locally(plan, Runner(limits))
    graded = []
    for ch in chapters:
        ind_full, comb_full = {}, {}
        per = {}
        for ex in ch.exercises:
            if (ch.name, ex["id"]) in independent:
                _, tids = independent[(ch.name, ex["id"])]
                per[ex["id"]] = [(t, results[tid]) for t, tid in zip(ex["tests"], tids)]
                ind_full[ex["id"]] = all(r.passed for _, r in per[ex["id"]])
            if ch.name in together:
                _, tids = together[ch.name]
                comb = [(t, results[tids[t]]) for t in ex["tests"]]
                comb_full[ex["id"]] = all(r.passed for _, r in comb)
                if ex["id"] not in per:
                    per[ex["id"]] = comb
        for ex in ch.exercises:
            notes = []
            note = waits_on(ch, ex, ind_full, comb_full)
            if note:
                notes.append(note)
            graded.append(Graded(ch.name, ex, per[ex["id"]], notes))
    return graded
