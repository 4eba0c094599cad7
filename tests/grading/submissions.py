"""Submissions for the grading tests, made from the course's own skeletons and
solutions (scripts/mcgrade.py): what a student would hand in."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import mcgrade  # noqa: E402

# A mixed submission: some exercises solved, one half right, the rest untouched.
SOLVED = ("01.2", "02.1", "02.5", "03.2", "04.1", "04.4", "06.2")
# 01.5 half right: exit statuses, but not signals (1 of its 2 tests).
HALF = {"01.5": "return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 125;"}


def solve(info, lines, ex_id, code=None):
    """Replace exercise ex_id's stub in lines (a skeleton file) by its
    solution, or by code."""
    cut = next(c for c in info["cuts"] if c["id"] == ex_id)
    stub = info["skeleton"][cut["start"]:cut["end"]]
    for i in range(len(lines) - len(stub) + 1):
        if lines[i:i + len(stub)] == stub:
            new = cut["solution"] if code is None else ["\t" + code]
            return lines[:i] + new + lines[i + len(stub):]
    raise AssertionError("stub of %s not found" % ex_id)


def write(dest, course, solved=(), half=None, layout="exercises"):
    """Write a submission into dest: every exercise file of the course, as its
    skeleton with the exercises numbered in `solved` solved (and those in
    `half` given that code).  layout "exercises": dest/exercises/NN-topic/FILE."""
    half = half or {}
    for ch in course:
        for name, info in ch.files.items():
            lines = list(info["skeleton"])
            for ex in ch.exercises:
                if ex["file"] != name:
                    continue
                if ex["number"] in solved:
                    lines = solve(info, lines, ex["id"])
                elif ex["number"] in half:
                    lines = solve(info, lines, ex["id"], half[ex["number"]])
            d = os.path.join(dest, layout, ch.name) if layout else os.path.join(dest, ch.name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write("\n".join(lines))


if __name__ == "__main__":
    # submissions.py DEST [mixed|skeleton|reference]
    kind = sys.argv[2] if len(sys.argv) > 2 else "mixed"
    course = mcgrade.load_course()
    if kind == "mixed":
        write(sys.argv[1], course, SOLVED, HALF)
    elif kind == "reference":
        write(sys.argv[1], course, [ex["number"] for ch in course for ex in ch.exercises])
    else:
        write(sys.argv[1], course)
