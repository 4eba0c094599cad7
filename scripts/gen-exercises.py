#!/usr/bin/env python3
"""Generate a chapter's exercise skeletons from the reference sources.

An exercise is a region of a chapter's C source that is cut out and
replaced by a stub.  The region is marked in the reference code like this
(markers are C comments on lines of their own, indented like the code):

    /* EXERCISE 01.1 clone-flags (3 points): Choose the clone flags
     * Tests: test_pid_is_one test_hostname_is_private
     * Needs: 01.2 01.5
     *
     * Instructions for the student, any number of lines,
     * kept verbatim in the skeleton.
     */
    /* BEGIN SOLUTION */
    int flags = CLONE_NEWPID | CLONE_NEWNS;
    return flags;
    /* END SOLUTION; skeleton: (void)cfg; return 0; */

"Needs:" (optional) names the exercises of the same chapter whose code the
tests of this one run (01.1's tests start containers, which needs 01.2's
pivot_root): the README tells the student to solve those first, and
`make check-exercises` checks the list is exactly right.

In the skeleton the EXERCISE comment stays, and the lines from BEGIN
SOLUTION to END SOLUTION become

    /* TODO(exercise 01.1 clone-flags): your code here. */
    (void)cfg; return 0;

The files of CHAPTER_DIR that hold exercises are written to OUT_DIR,
together with exercises.json (the list of
exercises, read by scripts/grade.py) and README.md (the same list for the
student).  Output is deterministic: running twice gives identical files.

Command line:

    gen-exercises.py [--force] [--handout] CHAPTER_DIR OUT_DIR
        write the skeletons; *.c, *.h, exercises.json and README.md files in
        OUT_DIR that are no longer generated are removed.  A source file that
        someone edited since it was generated (its sha256 is not the one
        exercises.json recorded) is never overwritten without --force: exit 1.
        --handout: the README does not point at the reference solution.

    gen-exercises.py --check CHAPTER_DIR OUT_DIR
        change nothing; print a diff and exit 1 if OUT_DIR differs from what
        would be generated, exit 0 if it is up to date

    gen-exercises.py --only ID CHAPTER_DIR OUT_DIR
        cut out only exercise ID and keep the reference code of the others
        (used to check that the tests of ID fail without its solution)

Exit status: 0 success / up to date, 1 out of date (--check),
2 bad usage or a malformed marker (reported as FILE:LINE: message).
"""

import argparse
import difflib
import hashlib
import json
import os
import re
import sys

PROG = "gen-exercises.py"

# "/* EXERCISE 01.1 clone-flags (3 points): Choose the clone flags"
HEADER_RE = re.compile(
    r"^(?P<indent>\s*)/\*\s*EXERCISE\s+(?P<number>\d+\.\d+)\s+(?P<id>[a-z0-9-]+)\s+"
    r"\((?P<points>\d+)\s+points?\)\s*:\s*(?P<title>.*?)\s*$"
)
HEADER_LOOSE_RE = re.compile(r"^\s*/\*\s*EXERCISE\b")
BEGIN_RE = re.compile(r"^(?P<indent>\s*)/\*\s*BEGIN SOLUTION\s*\*/\s*$")
END_RE = re.compile(r"^\s*/\*\s*END SOLUTION;\s*skeleton:(?P<code>.*?)\*/\s*$")
MARKER_LOOSE_RE = re.compile(r"/\*\s*(BEGIN|END) SOLUTION\b")
# The line that starts a function definition, e.g. "int ns_clone_flags(const ...".
FUNCTION_RE = re.compile(r"^(?=[a-z_])[^(]*\b(\w+)\s*\(")
TEST_NAME_RE = re.compile(r"^[A-Za-z_]\w*$")
NUMBER_RE = re.compile(r"^\d+\.\d+$")
CHAPTER_RE = re.compile(r"^(?P<num>\d+)-(?P<topic>.+)$")

GENERATED_NAMES = ("exercises.json", "README.md")


class MarkerError(Exception):
    """A malformed exercise marker; str() is 'FILE:LINE: message'."""

    def __init__(self, path, lineno, message):
        super().__init__("%s:%d: %s" % (path, lineno, message))


def die(message):
    """Print a one-line error and exit with status 2."""
    print("%s: error: %s" % (PROG, message), file=sys.stderr)
    sys.exit(2)


# --- parsing ---------------------------------------------------------------


def strip_comment_prefix(line):
    """' * text' -> 'text', ' *' -> '' (keeps indentation after '* ')."""
    text = line.strip("\r\n")
    match = re.match(r"^\s*\*(?: |$)", text)
    if match:
        return text[match.end():].rstrip()
    return text.strip()


def read_header(path, lines, start):
    """Parse the EXERCISE comment starting at index start.

    Returns (exercise dict without file/function, index after the comment).
    """
    match = HEADER_RE.match(lines[start])
    lineno = start + 1
    if not match:
        raise MarkerError(
            path, lineno,
            "malformed EXERCISE header; expected "
            "'/* EXERCISE NN.K id (P points): Title'")
    if "*/" in lines[start]:
        raise MarkerError(path, lineno, "EXERCISE header needs a 'Tests:' line")
    body = []
    end = start + 1
    while True:
        if end >= len(lines):
            raise MarkerError(path, lineno, "unterminated EXERCISE comment")
        line = lines[end]
        end += 1
        if "*/" in line:
            last = strip_comment_prefix(line[:line.index("*/")])
            if last:
                body.append(last)
            break
        body.append(strip_comment_prefix(line))

    if not body or not body[0].startswith("Tests:"):
        raise MarkerError(path, lineno + 1, "expected ' * Tests: test_a test_b' after the title")
    test_words = body[0][len("Tests:"):].split()
    needs = []
    rest = body[1:]
    while rest and rest[0]:  # the test list may wrap until a blank ' *' line
        line = rest.pop(0)
        if line.startswith("Needs:"):
            needs.extend(line[len("Needs:"):].split())
        elif needs:
            raise MarkerError(path, lineno + 1, "the Needs: line goes after the Tests: list")
        else:
            test_words.extend(line.split())
    if not test_words:
        raise MarkerError(path, lineno + 1, "the Tests: line names no tests")
    for word in test_words:
        if not TEST_NAME_RE.match(word):
            raise MarkerError(
                path, lineno + 1,
                "'%s' is not a test name (end the Tests: list with a blank ' *' line)" % word)

    for word in needs:
        if not NUMBER_RE.match(word):
            raise MarkerError(path, lineno + 1,
                              "'%s' in Needs: is not an exercise number like 01.2" % word)

    while rest and not rest[0]:
        rest.pop(0)
    while rest and not rest[-1]:
        rest.pop()
    exercise = {
        "number": match.group("number"),
        "id": match.group("id"),
        "title": match.group("title"),
        "points": int(match.group("points")),
        "line": lineno,
        "tests": test_words,
        "needs": needs,
        "instructions": "\n".join(rest),
    }
    return exercise, end


def find_function(lines, index):
    """Name of the C function whose body contains lines[index], or None."""
    for line in reversed(lines[:index]):
        if line.startswith("}"):
            return None  # we are at file scope, after the previous function
        if line.rstrip().endswith(";"):
            continue  # a prototype or declaration, not a definition
        match = FUNCTION_RE.match(line)
        if match:
            return match.group(1)
    return None


def check_no_marker(path, lines, index, context):
    """Fail if lines[index] is any exercise marker (used inside regions)."""
    line = lines[index]
    if HEADER_LOOSE_RE.match(line) or MARKER_LOOSE_RE.search(line):
        raise MarkerError(path, index + 1, "%s (nested or misplaced marker)" % context)


def process_source(path, text, only=None):
    """Cut the exercises out of one source file.

    With only (an exercise id), just that exercise is cut out and the other
    regions are left as they are in the reference.
    Returns (skeleton text, list of exercises found in it, cuts): cuts says
    where each region that was cut out is, for the grader (see regions()):
    {"id", "start", "end" (the stub's lines out[start:end] in the skeleton),
    "solution" (the reference's lines between the markers)}.
    """
    lines = text.split("\n")
    out = []
    exercises = []
    cuts = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if BEGIN_RE.match(line) or MARKER_LOOSE_RE.search(line):
            if BEGIN_RE.match(line):
                raise MarkerError(path, i + 1, "BEGIN SOLUTION without an EXERCISE header")
            if END_RE.match(line):
                raise MarkerError(path, i + 1, "END SOLUTION without BEGIN SOLUTION")
            raise MarkerError(path, i + 1, "malformed SOLUTION marker")
        if not HEADER_LOOSE_RE.match(line):
            out.append(line)
            i += 1
            continue

        exercise, after = read_header(path, lines, i)
        exercise["function"] = find_function(lines, i)
        out.extend(lines[i:after])
        # Only blank lines may separate the header from BEGIN SOLUTION.
        begin = after
        while begin < len(lines) and not lines[begin].strip():
            begin += 1
        if begin >= len(lines) or not BEGIN_RE.match(lines[begin]):
            raise MarkerError(
                path, exercise["line"],
                "EXERCISE %s is not followed by /* BEGIN SOLUTION */" % exercise["id"])
        out.extend(lines[after:begin])
        indent = BEGIN_RE.match(lines[begin]).group("indent")

        end = begin + 1
        while True:
            if end >= len(lines):
                raise MarkerError(path, begin + 1, "BEGIN SOLUTION without END SOLUTION")
            if END_RE.match(lines[end]):
                break
            if re.search(r"/\*\s*END SOLUTION\b", lines[end]):
                raise MarkerError(
                    path, end + 1,
                    "malformed END SOLUTION marker; expected '/* END SOLUTION; skeleton: CODE */'")
            check_no_marker(path, lines, end, "marker inside a solution region")
            end += 1

        exercises.append(exercise)
        i = end + 1
        if only is not None and exercise["id"] != only:
            out.extend(lines[begin:i])  # keep the reference solution
            continue
        code = END_RE.match(lines[end]).group("code").strip()
        start = len(out)
        out.append("%s/* TODO(exercise %s %s): your code here. */"
                   % (indent, exercise["number"], exercise["id"]))
        if code:
            out.append(indent + code)
        cuts.append({"id": exercise["id"], "start": start, "end": len(out),
                     "solution": lines[begin + 1:end]})
    return "\n".join(out), exercises, cuts


# --- output files ------------------------------------------------------------


def chapter_names(chapter_dir):
    """'chapters/01-namespaces/' -> ('01-namespaces', '01', 'namespaces')."""
    name = os.path.basename(os.path.normpath(chapter_dir))
    match = CHAPTER_RE.match(name)
    if not match:
        die("%s: chapter directory must be named NN-topic" % chapter_dir)
    return name, match.group("num"), match.group("topic")


def source_files(chapter_dir):
    """The *.c and *.h files directly in chapter_dir, sorted by name."""
    names = [n for n in os.listdir(chapter_dir)
             if n.endswith((".c", ".h")) and os.path.isfile(os.path.join(chapter_dir, n))]
    return sorted(names)


def shared_dir(chapter_dir):
    """chapters/common, next to the chapter: code every chapter shares.

    A shared file may hold exercises of one chapter (04.3, the in-root
    resolver, lives there because chapter 01 mounts through it too); it then
    belongs to that chapter's exercises like the chapter's own files.
    """
    return os.path.join(os.path.dirname(os.path.normpath(chapter_dir)), "common")


def read_source(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        die("%s: cannot read: %s" % (path, e))


def manifest_json(chapter, exercises, files):
    """exercises.json: the exercises, and the sha256 of each skeleton file as
    generated (so that `make exercises` can tell a file someone edited)."""
    data = {
        "chapter": chapter,
        "exercises": [
            {
                "number": ex["number"],
                "id": ex["id"],
                "title": ex["title"],
                "points": ex["points"],
                "file": ex["file"],
                "function": ex["function"],
                "line": ex["line"],
                "tests": ex["tests"],
                "needs": ex["needs"],
                "instructions": ex["instructions"],
            }
            for ex in exercises
        ],
        "total_points": sum(ex["points"] for ex in exercises),
        "skeletons": {name: sha256_text(text) for name, text in sorted(files.items())},
    }
    return json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def plural(count, word):
    """plural(1, 'point') -> '1 point', plural(3, 'point') -> '3 points'."""
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def readme_text(chapter, num, topic, exercises, handout=False):
    ref = "chapters/%s" % chapter
    total = sum(ex["points"] for ex in exercises)
    by_number = {ex["number"]: ex for ex in exercises}
    parts = [
        "# Exercises — chapter %s (%s)\n" % (num, topic),
        "This file is generated from the exercise markers in `%s/*.c` by\n"
        "`make exercises`; do not edit it by hand (edit the markers instead).\n" % ref,
        "## How to work\n",
        "- Edit the files in this directory: each exercise below is a\n"
        "  `TODO(exercise ...)` stub in one of them.  They are copies of the\n"
        "  chapter's files that hold exercises; every other file of the chapter\n"
        "  is built from `%s/` as it is.\n" % ref +
        "- `sudo make grade CH=%s` runs the tests of each exercise against your\n"
        "  code and prints your score (see `exercises/README.md`).\n"
        "- `make student` builds the demos and minicontainer from your code into\n"
        "  `build/student/bin`.\n" % num +
        ("" if handout else
         "- The reference solution is in `%s/`, but try first.\n" % ref),
    ]
    if not exercises:
        parts.append("This chapter has no exercises.\n")
    if any(ex["needs"] for ex in exercises):
        parts.append("## Order\n")
        parts.append(
            "Some exercises' tests run code that another exercise of this chapter\n"
            "writes, so on your own code they can only pass once that one does\n"
            "(the grader uses the reference code for every other exercise, so your\n"
            "score for one exercise never depends on another).  Solve them in this\n"
            "order:\n")
        items = []
        for i, group in enumerate(solving_order(exercises)):
            names = " and ".join("%s %s" % (ex["number"], ex["id"]) for ex in group)
            if len(group) > 1:
                names += " (together: their tests need each other)"
            items.append("%d. %s\n" % (i + 1, names))
        parts.append("".join(items))
    for ex in exercises:
        where = "`%s`" % ex["file"]
        if ex.get("source"):
            where += " (shared by every chapter: `%s`)" % ex["source"]
        if ex["function"]:
            where += ", function `%s()`" % ex["function"]
        tests = ", ".join("`%s`" % t for t in ex["tests"])
        parts.append("## %s %s (%s)\n" % (ex["number"], ex["title"], plural(ex["points"], "point")))
        lines = "- Where: %s\n- Graded by: %s\n" % (where, tests)
        if ex["needs"]:
            lines += "- Solve first: %s (its tests need them)\n" % ", ".join(
                "%s %s" % (n, by_number[n]["id"]) if n in by_number else n for n in ex["needs"])
        parts.append(lines)
        if ex["instructions"]:
            parts.append(ex["instructions"] + "\n")
    parts.append("Total: %s in %s.\n"
                 % (plural(total, "point"), plural(len(exercises), "exercise")))
    return "\n".join(parts)


def chapter_model(chapter_dir, only=None):
    """Read a chapter's exercises: (chapter, num, topic, files, exercises).

    files maps each file that holds one of its exercises to {"path" (the
    reference source), "shared" (a file of chapters/common), "skeleton" (its
    text with the regions cut), "cuts" (see process_source)}.  exercises is
    sorted by number.  With only (an exercise id), only that exercise is cut
    out and listed.
    """
    chapter, num, topic = chapter_names(chapter_dir)
    files = {}
    exercises = []
    seen = {}
    sources = [(os.path.join(chapter_dir, n), n, False) for n in source_files(chapter_dir)]
    common = shared_dir(chapter_dir)
    if os.path.isdir(common):
        sources += [(os.path.join(common, n), n, True) for n in source_files(common)]
    for path, name, shared in sources:
        text = read_source(path)
        skeleton, found, cuts = process_source(path, text, only)
        if shared:
            mine = [ex for ex in found if ex["number"].startswith(num + ".")]
            if mine and len(mine) != len(found):
                raise MarkerError(path, found[0]["line"],
                                  "a shared file may hold exercises of one chapter only")
            if not mine:
                continue
            if name in files or name in source_files(chapter_dir):
                raise MarkerError(path, 1, "%s is also a file of %s" % (name, chapter_dir))
        # Only the files with an exercise (the one cut, with --only) are the
        # student's; the build takes every other file from the reference.
        if any(only is None or ex["id"] == only for ex in found):
            files[name] = {"path": path, "shared": shared, "skeleton": skeleton, "cuts": cuts}
        for ex in found:
            ex["file"] = name
            if shared:
                ex["source"] = os.path.relpath(path, os.path.dirname(os.path.dirname(
                    os.path.normpath(chapter_dir))))
            where = "%s:%d" % (path, ex["line"])
            for key in ("id", "number"):
                other = seen.get((key, ex[key]))
                if other:
                    raise MarkerError(path, ex["line"], "duplicate exercise %s %s (also at %s)"
                                      % (key, ex[key], other))
                seen[(key, ex[key])] = where
            if not ex["number"].startswith(num + "."):
                raise MarkerError(path, ex["line"], "exercise number %s does not belong to "
                                  "chapter %s" % (ex["number"], num))
            exercises.append(ex)
    check_needs(exercises, seen)
    if only is not None:
        exercises = [ex for ex in exercises if ex["id"] == only]
        if not exercises:
            die("--only %s: no such exercise in %s" % (only, chapter_dir))
    # Students meet the exercises in their numbered order, whatever the file order.
    exercises.sort(key=number_key)
    return chapter, num, topic, files, exercises


def number_key(ex):
    return [int(part) for part in ex["number"].split(".")]


def check_needs(exercises, seen):
    """Needs: names other exercises of the same chapter."""
    for ex in exercises:
        for number in ex["needs"]:
            if ("number", number) not in seen or number == ex["number"]:
                raise MarkerError(seen[("id", ex["id"])].rsplit(":", 1)[0], ex["line"],
                                  "Needs: %s is not another exercise of this chapter" % number)


def solving_order(exercises):
    """The exercises in groups, each group after the groups it needs: a list of
    lists.  Exercises that need each other (01.1's tests need 01.2's
    pivot_root, 01.2's need 01.1's namespaces) form one group, to be solved
    together; otherwise the numbered order."""
    by_number = {ex["number"]: ex for ex in exercises}

    def reach(start):
        seen, todo = set(), [start]
        while todo:
            for n in by_number[todo.pop()]["needs"]:
                if n in by_number and n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen

    reaches = {n: reach(n) for n in by_number}
    groups = []
    placed = set()
    for ex in sorted(exercises, key=number_key):
        n = ex["number"]
        if n in placed:
            continue
        group = sorted([m for m in by_number if m == n or (m in reaches[n] and n in reaches[m])],
                       key=lambda m: number_key(by_number[m]))
        placed.update(group)
        groups.append([by_number[m] for m in group])
    # Each group after every group it needs (a stable topological sort).
    done, order = set(), []
    while groups:
        for g in groups:
            needs = {m for ex in g for m in reaches[ex["number"]]} - {ex["number"] for ex in g}
            if needs <= done:
                order.append(g)
                done.update(ex["number"] for ex in g)
                groups.remove(g)
                break
    return order


def generate(chapter_dir, only=None, handout=False):
    """Return {file name: content} of everything OUT_DIR should contain.

    With only (an exercise id), only that exercise is cut out and listed.
    handout: the README speaks to a student whose tree has no reference.
    """
    chapter, num, topic, model, exercises = chapter_model(chapter_dir, only)
    files = {name: info["skeleton"] for name, info in model.items()}
    files["exercises.json"] = manifest_json(chapter, exercises, files)
    files["README.md"] = readme_text(chapter, num, topic, exercises, handout)
    return files


def sha256_text(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def existing_outputs(out_dir):
    """{name: content} of the files in out_dir the generator is responsible for."""
    found = {}
    if not os.path.isdir(out_dir):
        return found
    for name in sorted(os.listdir(out_dir)):
        path = os.path.join(out_dir, name)
        if not os.path.isfile(path):
            continue
        if name.endswith((".c", ".h")) or name in GENERATED_NAMES:
            with open(path, encoding="utf-8", errors="replace", newline="") as f:
                found[name] = f.read()
    return found


# --- the two modes -------------------------------------------------------------


def edited_files(out_dir, old, files):
    """The source files in out_dir that regenerating would change and that are
    not as the generator last wrote them (exercises.json records their sha256):
    someone's work, committed or not."""
    try:
        recorded = json.loads(old.get("exercises.json", "")).get("skeletons", {})
    except (ValueError, AttributeError):
        recorded = {}
    return [name for name in sorted(old)
            if name.endswith((".c", ".h")) and old[name] != files.get(name)
            and recorded.get(name) != sha256_text(old[name])]


def write_outputs(out_dir, files, force=False):
    """Write files into out_dir (only those that changed) and drop stale ones.

    Refuses (exit 1) to overwrite a file someone edited, unless force."""
    os.makedirs(out_dir, exist_ok=True)
    old = existing_outputs(out_dir)
    edited = edited_files(out_dir, old, files)
    if edited and not force:
        print("%s: not regenerated: these files were edited since they were generated"
              " (your work?):" % out_dir)
        for name in edited:
            print("    %s" % os.path.join(out_dir, name))
        print("  keep them somewhere else, or run make exercises FORCE=1 to overwrite them")
        sys.exit(1)
    for name, content in sorted(files.items()):
        if old.get(name) != content:
            with open(os.path.join(out_dir, name), "w", encoding="utf-8", newline="") as f:
                f.write(content)
    for name in sorted(set(old) - set(files)):
        os.remove(os.path.join(out_dir, name))
        print("removed stale %s" % os.path.join(out_dir, name))


def check_outputs(out_dir, files):
    """Print what differs between out_dir and files; return True if identical."""
    old = existing_outputs(out_dir)
    up_to_date = True
    for name in sorted(set(old) | set(files)):
        path = os.path.join(out_dir, name)
        if name not in files:
            print("%s: stale file, the generator does not produce it" % path)
            up_to_date = False
            continue
        current = old.get(name)
        if current == files[name]:
            continue
        up_to_date = False
        diff = difflib.unified_diff(
            [] if current is None else current.splitlines(keepends=True),
            files[name].splitlines(keepends=True),
            fromfile="/dev/null" if current is None else path,
            tofile="%s (generated)" % path)
        for line in diff:
            sys.stdout.write(line if line.endswith("\n") else line + "\n")
    return up_to_date


def main():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Generate exercise skeletons from a chapter's reference sources.")
    parser.add_argument("--check", action="store_true",
                        help="only compare OUT_DIR with what would be generated")
    parser.add_argument("--only", metavar="ID",
                        help="cut out only this exercise, keep the other solutions "
                        "(to check that its tests catch its absence)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite exercise files even when someone edited them")
    parser.add_argument("--handout", action="store_true",
                        help="the README of a handout (no reference solution in the tree)")
    parser.add_argument("chapter_dir", metavar="CHAPTER_DIR",
                        help="e.g. chapters/01-namespaces")
    parser.add_argument("out_dir", metavar="OUT_DIR", help="e.g. exercises/01-namespaces")
    args = parser.parse_args()

    if not os.path.isdir(args.chapter_dir):
        die("%s: no such directory" % args.chapter_dir)
    try:
        files = generate(args.chapter_dir, args.only, args.handout)
    except MarkerError as e:
        die(str(e))

    out_dir = os.path.normpath(args.out_dir)
    if not args.check:
        write_outputs(out_dir, files, args.force)
        return 0
    if check_outputs(out_dir, files):
        print("%s is up to date" % out_dir)
        return 0
    print("%s is out of date: run make exercises" % out_dir)
    return 1


if __name__ == "__main__":
    sys.exit(main())
