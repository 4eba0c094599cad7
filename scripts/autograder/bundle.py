#!/usr/bin/env python3
"""bundle.py ZIP - Gradescope's autograder bundle (make autograder).

The zip holds the course tree as the instructor has it (its tracked files:
the reference solutions, the tests, the Makefile, the grader), with setup.sh
and run_autograder (from scripts/autograder/) at its top, where Gradescope
looks for them.  It contains the solutions: upload it to Gradescope, never
hand it to students.
"""

import os
import stat
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import handout  # noqa: E402  (its list of the course's tracked files)

ROOT = os.path.dirname(os.path.dirname(HERE))


def add(z, path, arcname):
    st = os.stat(path)
    info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | (0o755 if st.st_mode & 0o111 else 0o644)) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(path, "rb") as f:
        z.writestr(info, f.read())


def main():
    if len(sys.argv) != 2:
        print("usage: bundle.py ZIP", file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    count = 0
    with zipfile.ZipFile(out + ".tmp", "w") as z:
        for name in ("setup.sh", "run_autograder"):
            add(z, os.path.join(HERE, name), name)
        for rel in handout.tracked_files(ROOT):
            path = os.path.join(ROOT, rel)
            if rel.startswith(".ci/") or os.path.islink(path) or not os.path.isfile(path):
                continue
            add(z, path, rel)
            count += 1
    os.replace(out + ".tmp", out)
    print("autograder: %s (%d files of the course, setup.sh, run_autograder)" % (out, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
