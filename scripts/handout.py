#!/usr/bin/env python3
"""handout.py - a student tree without the solutions (make handout DEST=DIR).

    handout.py DEST          write the handout into DEST (which must not exist
                             or be empty)
    handout.py --check DEST  check a handout: no solution region's code anywhere
                             in it, no "line N of the reference"; exit 1 if
                             either is found

The handout is the course's tracked files (git ls-files; without git, every
file outside build/ and .git/) with:

  - every chapter module's solution regions cut (chapters/ holds the same
    skeletons as exercises/, EXERCISE comments and TODO stubs included);
  - the exercise READMEs regenerated for a tree without a reference, and
    the manifests without reference line numbers;
  - every fenced code block of a README that quotes a solution region
    replaced by a pointer to the exercise (an excerpt, `file.c:LINE`
    included), and the excerpts of code that moved renumbered;
  - the instructor's tools left out: the exercise generator, this script,
    check-exercises, grade-batch, the autograder bundle and CI.

`make` then builds in it, `make test` and `make grade` run (the untouched
skeleton scores 0), and `make student` builds from exercises/ as in the
full tree.  The instructor keeps the full tree.

A line of solution code counts as found when a line of the handout is that
line (both stripped of surrounding blanks and a trailing `{`), ignoring lines that are only
punctuation, a C keyword, or a bare `return` (`return;`, `return 0;`,
`return -1;`, ...), and the code base's idioms: lines that the course's own
C code (chapters/, minicontainer/, bench/) has outside the solution regions
too (`int rc;`, `if (fd < 0)`).  The tests and the READMEs are searched, but
never count as idiom.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcgrade  # noqa: E402
from excerpts import matches_at  # noqa: E402

ROOT = mcgrade.ROOT
PROG = "handout.py"
INSTRUCTOR_ONLY = (
    "scripts/gen-exercises.py",
    "scripts/handout.py",
    "scripts/check-exercises.py",
    "scripts/grade-batch",
    "scripts/autograder/",
    "tests/grading/",
    ".ci/",
)
FENCE = re.compile(r"^\s*```")
EXCERPT_REF = re.compile(r"^`([\w./-]+\.[ch]):(\d+)`\s*$")
KEYWORDS = {"break", "continue", "else", "do", "default", "return", "goto", "case", "try",
            "for", "while", "if", "switch", "out", "err", "fail", "done"}
BARE_RETURN = re.compile(r"^return\s*(?:\(?\s*(?:-?\d+|true|false|NULL|rc|ret|r|n|err|"
                         r"fd|0)\s*\)?)?\s*;$")
REFERENCE_LINE = re.compile(r"line \d+ of the reference")


def die(message):
    print("%s: %s" % (PROG, message), file=sys.stderr)
    sys.exit(2)


def norm(line):
    """A line as compared: without surrounding blanks or a trailing `{`."""
    s = line.strip()
    if s.endswith("{") and len(s) > 1:
        s = s[:-1].rstrip()
    return s


def trivial(line):
    """Lines that occur everywhere, solution or not."""
    s = line.strip()
    if not s or not re.search(r"[A-Za-z0-9]", s):
        return True
    word = s.rstrip(";:{} ").strip()
    if word in KEYWORDS or s in ("} else {", "} else", "else {", "do {", "default:"):
        return True
    if BARE_RETURN.match(s):
        return True
    if s.startswith(("//", "/*", "*")) and len(s) < 4:
        return True
    return False


def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, check=True).stdout
        return sorted(p for p in out.decode().split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        found = []
        for dirpath, dirnames, names in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            dirnames[:] = [d for d in dirnames
                           if not (rel == "." and d in ("build", ".git"))]
            for n in names:
                found.append(os.path.normpath(os.path.join(rel, n)))
        return sorted(found)


def instructor_only(path):
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in INSTRUCTOR_ONLY)


def solutions(course):
    """{exercise label: [solution lines]} and {chapter file path: skeleton text}."""
    regions = {}
    skeletons = {}
    for ch in course:
        for name, info in ch.files.items():
            path = ("chapters/common/%s" % name if info["shared"]
                    else "chapters/%s/%s" % (ch.name, name))
            skeletons[path] = "\n".join(info["skeleton"])
            for cut in info["cuts"]:
                ex = ch.by_id[cut["id"]]
                regions["%s %s (exercises/%s/%s)" % (ex["number"], ex["id"], ch.name, name)] = \
                    cut["solution"]
    return regions, skeletons


def background_lines(root, skeletons):
    """The stripped lines of the course's own C code outside the solution
    regions (chapters/, minicontainer/, bench/; a file with exercises as its
    skeleton).  A solution line that is also one of these (`int rc;`,
    `if (fd < 0)`, a loop another function has too) is the code base's idiom,
    which the student sees anyway, not the solution."""
    lines = set()
    for top in ("chapters", "minicontainer", "bench"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in names:
                if not n.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, n)
                rel = os.path.relpath(path, root)
                if rel in skeletons:
                    text = skeletons[rel]
                else:
                    with open(path, encoding="utf-8", errors="replace") as f:
                        text = f.read()
                lines.update(norm(line) for line in text.split("\n"))
    return lines


def solution_lines(regions, background):
    """{stripped line: exercise label} of every line of solution code to look
    for: not trivial, not the code base's idiom (background_lines)."""
    found = {}
    for label, lines in regions.items():
        for line in lines:
            if not trivial(line) and norm(line) not in background:
                found.setdefault(norm(line), label)
    return found


def rewrite_markdown(text, lines_of_solutions, moved_files):
    """Replace the code blocks that quote a solution by a pointer; renumber
    the excerpts of files whose lines moved (moved_files: path -> lines)."""
    md = text.split("\n")
    out = []
    i = 0
    while i < len(md):
        if not FENCE.match(md[i]):
            out.append(md[i])
            i += 1
            continue
        j = i + 1
        while j < len(md) and not FENCE.match(md[j]):
            j += 1
        block = md[i + 1:j]
        hits = sorted({lines_of_solutions[norm(b)] for b in block
                       if norm(b) in lines_of_solutions})
        # The excerpt reference before the block, if any (blank lines between).
        k = len(out) - 1
        while k >= 0 and out[k].strip() == "":
            k -= 1
        ref = EXCERPT_REF.match(out[k]) if k >= 0 else None
        if hits:
            if ref:
                del out[k:]
                if out and out[-1].strip():
                    out.append("")
            out.append("> *The code that goes here is the solution of exercise %s: "
                       "write it yourself.*" % "; of ".join(hits))
            i = j + 1
            continue
        if ref and ref.group(1) in moved_files:
            code = moved_files[ref.group(1)]
            places = [p for p in range(len(code)) if matches_at(code, p, block)]
            if len(places) == 1:
                out[k] = "`%s:%d`" % (ref.group(1), places[0] + 1)
        out.extend(md[i:j + 1])
        i = j + 1
    return "\n".join(out)


def write_handout(dest):
    if os.path.exists(dest) and os.listdir(dest):
        die("%s exists and is not empty" % dest)
    course = mcgrade.load_course(ROOT)
    if any(not ch.has_reference for ch in course):
        die("this tree has no reference solutions (already a handout?)")
    regions, skeletons = solutions(course)
    lines_of_solutions = solution_lines(regions, background_lines(ROOT, skeletons))
    moved = {p: t.split("\n") for p, t in skeletons.items()}
    gen = mcgrade.load_generator(ROOT)
    left_out = []
    for rel in tracked_files(ROOT):
        src = os.path.join(ROOT, rel)
        if instructor_only(rel):
            left_out.append(rel)
            continue
        if not os.path.lexists(src):
            continue
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
            continue
        if rel in skeletons:
            with open(dst, "w", encoding="utf-8") as f:
                f.write(skeletons[rel])
        elif rel.endswith(".md") and not rel.startswith("exercises/"):
            with open(src, encoding="utf-8") as f:
                text = f.read()
            with open(dst, "w", encoding="utf-8") as f:
                f.write(rewrite_markdown(text, lines_of_solutions, moved))
        else:
            shutil.copy2(src, dst)
        shutil.copymode(src, dst)
    for ch in course:
        files = gen.generate(os.path.join(ROOT, "chapters", ch.name), handout=True)
        manifest = json.loads(files["exercises.json"])
        for ex in manifest["exercises"]:
            ex.pop("line", None)
        files["exercises.json"] = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        out_dir = os.path.join(dest, "exercises", ch.name)
        for name in ("README.md", "exercises.json"):
            with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
                f.write(files[name])
    print("handout: %s written; left out: %s" % (dest, ", ".join(sorted(
        {p if not any(p.startswith(d) for d in INSTRUCTOR_ONLY if d.endswith("/")) else
         next(d for d in INSTRUCTOR_ONLY if p.startswith(d)) for p in left_out}))))
    return 0


def check_handout(dest):
    """No solution code, no "line N of the reference" anywhere in dest."""
    course = mcgrade.load_course(ROOT)
    regions, skeletons = solutions(course)
    wanted = solution_lines(regions, background_lines(ROOT, skeletons))
    problems = []
    for dirpath, dirnames, names in os.walk(dest):
        rel_dir = os.path.relpath(dirpath, dest)
        dirnames[:] = [d for d in dirnames if not (rel_dir == "." and d in ("build", ".git"))]
        for n in names:
            path = os.path.join(dirpath, n)
            if os.path.islink(path):
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (UnicodeDecodeError, OSError):
                continue  # binary: fuzzing seeds
            rel = os.path.relpath(path, dest)
            for lineno, line in enumerate(text.split("\n"), 1):
                label = wanted.get(norm(line))
                if label:
                    problems.append("%s:%d: the solution of %s: %s" % (rel, lineno, label,
                                                                         line.strip()))
                if REFERENCE_LINE.search(line):
                    problems.append("%s:%d: says '%s'" % (rel, lineno,
                                                          REFERENCE_LINE.search(line).group(0)))
    for instr in INSTRUCTOR_ONLY:
        if os.path.exists(os.path.join(dest, instr)):
            problems.append("%s: an instructor's tool is in the handout" % instr)
    for p in problems:
        print("handout: %s" % p)
    print("handout: %s: %d solution lines looked for, %d problems"
          % (dest, len(wanted), len(problems)))
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="check a handout instead")
    parser.add_argument("dest", metavar="DEST")
    args = parser.parse_args()
    try:
        if args.check:
            return check_handout(args.dest)
        return write_handout(args.dest)
    except mcgrade.GradeError as e:
        die(str(e))


if __name__ == "__main__":
    sys.exit(main())
