#!/usr/bin/env python3
"""Check that code excerpts in the chapter READMEs match the code they quote.

A chapter walks through its code with excerpts like this:

    `chapters/01-namespaces/namespaces.c:92`
    ```c
    int ns_clone_flags(const struct ns_config *cfg)
    ...
    ```

The line holding only a backticked `PATH:LINE` must come right before the
fenced block (blank lines allowed).  The block's lines must be exactly the
file's lines from LINE on.  A line in the block that is just `...` (or an
indented `...`) skips any number of file lines, so an excerpt may leave out
the middle of a function.

Usage:
    excerpts.py FILE.md...          check; exit 1 if an excerpt drifted
    excerpts.py --fix FILE.md...    where an excerpt's text is found at exactly
                                    one other place in its file, rewrite the
                                    line number in the README
"""
import argparse
import os
import re
import sys

REF = re.compile(r"^`([\w./-]+\.[ch]):(\d+)`\s*$")
FENCE = re.compile(r"^```")


def find_excerpts(md_lines):
    """Yield (ref_index, path, line, block_lines) for every excerpt."""
    i = 0
    while i < len(md_lines):
        m = REF.match(md_lines[i])
        if m:
            j = i + 1
            while j < len(md_lines) and md_lines[j].strip() == "":
                j += 1
            if j < len(md_lines) and FENCE.match(md_lines[j]):
                k = j + 1
                while k < len(md_lines) and not FENCE.match(md_lines[k]):
                    k += 1
                yield i, m.group(1), int(m.group(2)), md_lines[j + 1:k]
                i = k
        i += 1


def matches_at(code, start, block):
    """Does `block` match code[start:] (0-based), with `...` skipping lines?"""
    def match(ci, bi):
        if bi == len(block):
            return True
        if block[bi].strip() == "...":
            return any(match(c, bi + 1) for c in range(ci, len(code) + 1))
        if ci < len(code) and code[ci].rstrip() == block[bi].rstrip():
            return match(ci + 1, bi + 1)
        return False
    return match(start, 0)


def check_file(md_path, fix):
    with open(md_path) as f:
        md_lines = f.read().split("\n")
    ok = bad = 0
    changed = False
    for ref_index, path, line, block in find_excerpts(md_lines):
        if not os.path.exists(path):
            print("%s:%d: %s does not exist" % (md_path, ref_index + 1, path))
            bad += 1
            continue
        with open(path) as f:
            code = f.read().split("\n")
        if matches_at(code, line - 1, block):
            ok += 1
            continue
        places = [i for i in range(len(code)) if matches_at(code, i, block)]
        if fix and len(places) == 1:
            md_lines[ref_index] = "`%s:%d`" % (path, places[0] + 1)
            changed = True
            ok += 1
            print("%s:%d: moved %s:%d -> %d" % (md_path, ref_index + 1, path, line,
                                                places[0] + 1))
            continue
        where = ("it is at line %s" % ", ".join(str(p + 1) for p in places)
                 if places else "its text is not in the file any more")
        print("%s:%d: excerpt of %s:%d does not match the code; %s" %
              (md_path, ref_index + 1, path, line, where))
        bad += 1
    if changed:
        with open(md_path, "w") as f:
            f.write("\n".join(md_lines))
    return ok, bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fix", action="store_true")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    ok = bad = 0
    for md in args.files:
        o, b = check_file(md, args.fix)
        ok += o
        bad += b
    print("excerpts: %d match, %d drifted" % (ok, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
