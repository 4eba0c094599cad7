#!/usr/bin/env python3
"""Check that the "try it" transcripts in Markdown files still match the code.

A transcript is a ```console code block directly preceded (blank lines
allowed in between) by a marker comment:

    <!-- transcript -->
    ```console
    $ echo hello
    hello
    $ ls /nonexistent; echo $?
    ls: cannot access '/nonexistent': No such file or directory
    2
    ```

The marker may carry options: <!-- transcript: cwd=build timeout=60 -->
(cwd is relative to the current directory, which should be the repository
root; timeout is in seconds per command, default 60).  Console blocks
without a marker are ignored.

In the block, lines starting with "$ " or "# " are commands (a command line
ending in " \\" continues on the next line); the lines up to the next command
are its expected output, stdout and stderr merged.  Each command runs in
its own "bash -c", with stdin from /dev/null, LC_ALL=C, TERM=dumb, and
TRANSCRIPT_TMP, MC_ROOT=$TRANSCRIPT_TMP/root and MC_RUNDIR=$TRANSCRIPT_TMP/run
pointing into a fresh temporary directory shared by the commands of one
block.  Exit statuses are only checked if the transcript prints them.

Commands that start with "sudo " or use the root prompt "# " need root.  As
root, a leading "sudo " is dropped before running the command; as another
user those blocks are skipped and the script ends with exit status 77.

As root, each block runs in a network namespace of its own (unshare and
nsenter from util-linux), with only lo, up, and forwarding on as on most hosts
that run containers: containers on a bridge, published ports, nftables rules
and sysctls stay in there, and go with it when the block ends - a transcript
never changes the host's network.

Expected and actual output are compared line by line, ignoring trailing
whitespace and trailing empty lines.  In expected lines these placeholders
match variable text:

    <N>     an integer (-?[0-9]+)
    <HEX>   lower-case hex digits
    <ANY>   anything on the line, including nothing
    <TIME>  a time such as "5 seconds ago" or "2026-11-24T10:00:00Z"
            (no tabs)

and a line consisting of "..." matches any number of lines (even none).
A block stops at its first failing command.

Command line:

    transcripts.py [--update-help] FILE.md...

--update-help rewrites, in the Markdown files, the expected output of
commands ending in "--help" whose output changed, instead of failing.

Exit status: 0 all passed, 1 a transcript failed or none were found,
2 bad usage or a malformed marker, 77 some transcripts need root.
"""

import argparse
import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

PROG = "transcripts.py"
DEFAULT_TIMEOUT = 60.0
MAX_DIFF_LINES = 40

MARKER_RE = re.compile(r"^\s*<!--\s*transcript\s*(?::(?P<options>.*?))?\s*-->\s*$")
FENCE_RE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
PROMPTS = ("$ ", "# ")
PLACEHOLDERS = {
    "<N>": "-?[0-9]+",
    "<HEX>": "[0-9a-f]+",
    "<ANY>": ".*",
    "<TIME>": "[^\t]+?",
}
PLACEHOLDER_SPLIT_RE = re.compile("(%s)" % "|".join(re.escape(p) for p in PLACEHOLDERS))
ELLIPSIS = "..."


class InputError(Exception):
    """A malformed transcript; str() is 'FILE:LINE: message'."""

    def __init__(self, path, lineno, message):
        super().__init__("%s:%d: %s" % (path, lineno, message))


def die(message):
    """Print a one-line error and exit with status 2."""
    print("%s: error: %s" % (PROG, message), file=sys.stderr)
    sys.exit(2)


# --- parsing ---------------------------------------------------------------------


class Command:
    """One command of a transcript and the output the transcript shows for it."""

    def __init__(self, lineno, prompt, text):
        self.lineno = lineno  # 1-based line of the prompt in the Markdown file
        self.prompt = prompt  # "$" or "#"
        self.text = text  # as written, continuation lines joined with "\n"
        self.expected = []  # lines of expected output
        self.output_start = None  # 0-based index of the first expected line in the file
        self.output_end = None  # and one past the last

    def needs_root(self):
        return self.prompt == "#" or self.text.startswith("sudo ")

    def shown(self):
        return "%s %s" % (self.prompt, self.text)


class Block:
    """One transcript: the commands of a ```console block and its options."""

    def __init__(self, path, lineno, cwd, timeout):
        self.path = path
        self.lineno = lineno  # 1-based line of the opening fence
        self.cwd = cwd
        self.timeout = timeout
        self.commands = []

    def where(self):
        return "%s:%d" % (self.path, self.lineno)

    def needs_root(self):
        return any(c.needs_root() for c in self.commands)


def parse_options(path, lineno, text):
    """'cwd=build timeout=60' -> (cwd, timeout)."""
    cwd, timeout = ".", DEFAULT_TIMEOUT
    for word in (text or "").split():
        key, sep, value = word.partition("=")
        if not sep or not value:
            raise InputError(path, lineno, "transcript option '%s' is not KEY=VALUE" % word)
        if key == "cwd":
            cwd = value
        elif key == "timeout":
            try:
                timeout = float(value)
            except ValueError:
                timeout = -1
            if timeout <= 0:
                raise InputError(path, lineno, "timeout=%s is not a positive number" % value)
        else:
            raise InputError(path, lineno, "unknown transcript option '%s'" % key)
    return cwd, timeout


def closing_fence(line, fence):
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def parse_commands(block, lines, first, last, indent):
    """Split lines[first:last] (the inside of a fence) into block.commands."""
    i = first
    current = None
    while i < last:
        line = lines[i]
        if line.startswith(" " * len(indent)):
            line = line[len(indent):]
        if line.startswith(PROMPTS):
            current = Command(i + 1, line[0], line[2:])
            while current.text.endswith(" \\") and i + 1 < last:
                i += 1
                current.text += "\n" + lines[i]
            current.output_start = current.output_end = i + 1
            block.commands.append(current)
        elif current is None:
            if line.strip():
                raise InputError(block.path, i + 1,
                                 "transcript output before the first '$ ' command")
        else:
            current.expected.append(line)
            current.output_end = i + 1
        i += 1
    if not block.commands:
        raise InputError(block.path, block.lineno, "transcript block has no '$ ' command")


def parse_file(path, lines):
    """Return the transcript blocks of one Markdown file."""
    blocks = []
    marker = None  # (lineno, options) of a marker waiting for its block
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE_RE.match(line)
        if MARKER_RE.match(line):
            marker = (i + 1, MARKER_RE.match(line).group("options"))
        elif fence:
            info = fence.group("info").split()
            end = i + 1
            while end < len(lines) and not closing_fence(lines[end], fence.group("fence")):
                end += 1
            if marker:
                if info[:1] != ["console"]:
                    raise InputError(path, marker[0],
                                     "<!-- transcript --> must be followed by a ```console block")
                if end >= len(lines):
                    raise InputError(path, i + 1, "unterminated ```console block")
                cwd, timeout = parse_options(path, marker[0], marker[1])
                block = Block(path, i + 1, cwd, timeout)
                parse_commands(block, lines, i + 1, end, fence.group("indent"))
                blocks.append(block)
                marker = None
            i = end  # skip the code block, markers inside it do not count
        elif line.strip() and marker:
            raise InputError(path, marker[0],
                             "<!-- transcript --> must be followed by a ```console block")
        i += 1
    if marker:
        raise InputError(path, marker[0], "<!-- transcript --> at the end of the file")
    return blocks


# --- comparing -------------------------------------------------------------------


def normalize(lines):
    """Strip trailing whitespace of each line and drop trailing empty lines."""
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def line_pattern(expected):
    """Compile one expected line, its placeholders turned into regexes."""
    parts = PLACEHOLDER_SPLIT_RE.split(expected)
    return re.compile("".join(PLACEHOLDERS.get(p) or re.escape(p) for p in parts))


def output_matches(expected, actual):
    """True if the actual lines match the expected lines ('...' matches any lines)."""
    patterns = [None if e == ELLIPSIS else line_pattern(e) for e in expected]
    # ok[j] is True when patterns[i:] match actual[j:]; computed for i from the end.
    ok = [j == len(actual) for j in range(len(actual) + 1)]
    for pattern in reversed(patterns):
        new = [False] * (len(actual) + 1)
        for j in range(len(actual), -1, -1):
            if pattern is None:  # "...": skip no lines, or one more
                new[j] = ok[j] or (j < len(actual) and new[j + 1])
            else:
                new[j] = j < len(actual) and ok[j + 1] and bool(pattern.fullmatch(actual[j]))
        ok = new
    return ok[0]


def display_expected(expected, actual):
    """Expected lines with placeholder lines replaced by the actual line they match.

    Only used to make the diff of a failure show the lines that really differ.
    """
    shown = []
    j = 0
    for line in expected:
        if line == ELLIPSIS:
            shown.append(line)
            continue
        pattern = line_pattern(line)
        for k in range(j, len(actual)):
            if pattern.fullmatch(actual[k]):
                shown.append(actual[k])
                j = k + 1
                break
        else:
            shown.append(line)
    return shown


def diff_text(expected, actual):
    diff = list(difflib.unified_diff(display_expected(expected, actual), actual,
                                     "expected", "actual", lineterm="", n=2))
    if len(diff) > MAX_DIFF_LINES:
        diff = diff[:MAX_DIFF_LINES] + ["[... diff truncated ...]"]
    return "\n".join("    " + d for d in diff)


# --- running ---------------------------------------------------------------------


def start_sandbox():
    """A network namespace for one block, held open by a sleeping process (or None)."""
    proc = subprocess.Popen(["unshare", "--net", "sh", "-c",
                             "ip link set lo up && echo 1 > /proc/sys/net/ipv4/ip_forward && "
                             "echo ready && exec sleep 1000000"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            start_new_session=True)
    if proc.stdout.readline().strip() == b"ready":
        return proc
    proc.kill()
    proc.wait()
    return None


def stop_sandbox(proc):
    if proc is not None:
        proc.kill()
        proc.wait()


def run_command(text, cwd, env, timeout, sandbox=None):
    """Run text with bash; returns (exit status or None on timeout, output lines)."""
    argv = ["bash", "-c", text]
    if sandbox is not None:
        argv = ["nsenter", "--net=/proc/%d/ns/net" % sandbox.pid] + argv
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            out, _ = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            out = b""
        proc.wait()
        status = None
    return status, out.decode("utf-8", errors="replace").split("\n")


def mounts_under(path):
    """Mount points at or below path (a container left mounted there)."""
    try:
        with open("/proc/self/mounts") as f:
            points = [line.split()[1].replace("\\040", " ") for line in f if line.strip()]
    except OSError:
        return []
    return [p for p in points if p == path or p.startswith(path + "/")]


def remove_tmp(tmp):
    """Remove a block's temporary directory, unless something is still mounted in it."""
    left = mounts_under(os.path.realpath(tmp))
    if left:
        print("%s: warning: not removing %s, still mounted: %s" % (PROG, tmp, " ".join(left)),
              file=sys.stderr)
        return
    shutil.rmtree(tmp, ignore_errors=True)


def is_help_command(command):
    return command.text.split()[-1:] == ["--help"]


def run_block(block, as_root, update_help, updates):
    """Run one transcript; print 'ok ...' or the failure; return True if it passed.

    With update_help, mismatching --help commands are recorded in updates
    as (path, start, end, new lines) instead of failing.
    """
    cwd = os.path.join(os.getcwd(), block.cwd)
    if not os.path.isdir(cwd):
        print("%s: transcript cwd=%s is not a directory" % (block.where(), block.cwd))
        return False
    tmp = tempfile.mkdtemp(prefix="transcript-")
    env = dict(os.environ, LC_ALL="C", TERM="dumb", TRANSCRIPT_TMP=tmp,
               MC_ROOT=os.path.join(tmp, "root"), MC_RUNDIR=os.path.join(tmp, "run"))
    os.mkdir(env["MC_ROOT"])
    os.mkdir(env["MC_RUNDIR"])
    sandbox = start_sandbox() if as_root else None
    if as_root and sandbox is None:
        print("%s: cannot make a network namespace for the block (unshare --net)"
              % block.where())
        remove_tmp(tmp)
        return False
    try:
        for command in block.commands:
            text = command.text
            if as_root and text.startswith("sudo "):
                text = text[len("sudo "):]
            status, out = run_command(text, cwd, env, block.timeout, sandbox)
            actual = normalize(out)
            expected = normalize(command.expected)
            if status is not None and output_matches(expected, actual):
                continue
            if update_help and status is not None and is_help_command(command):
                updates.append((block.path, command.output_start, command.output_end, actual))
                print("%s:%d: updated the output of: %s"
                      % (block.path, command.lineno, command.shown()))
                continue
            print("%s:%d: transcript command failed: %s"
                  % (block.path, command.lineno, command.shown()))
            if status is None:
                print("    (timed out after %gs)" % block.timeout)
            elif status != 0:
                print("    (exit status %d)" % status)
            diff = diff_text(expected, actual)
            if diff:
                print(diff)
            sys.stdout.flush()
            return False
    finally:
        stop_sandbox(sandbox)
        remove_tmp(tmp)
    count = len(block.commands)
    print("ok %s (%d command%s)" % (block.where(), count, "" if count == 1 else "s"), flush=True)
    return True


def apply_updates(texts, updates):
    """Rewrite the expected output of updated commands in the Markdown files."""
    for path in sorted({u[0] for u in updates}):
        lines = texts[path]
        for _, start, end, new in sorted((u for u in updates if u[0] == path),
                                         key=lambda u: u[1], reverse=True):
            lines[start:end] = new
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(
        prog=PROG, description="Check the transcripts in Markdown files against the code.")
    parser.add_argument("--update-help", action="store_true",
                        help="rewrite the expected output of '... --help' commands that changed")
    parser.add_argument("files", nargs="+", metavar="FILE.md")
    args = parser.parse_args()

    texts = {}
    blocks = []
    for path in args.files:
        try:
            with open(path, encoding="utf-8") as f:
                texts[path] = f.read().split("\n")
        except (OSError, UnicodeDecodeError) as e:
            die("%s: cannot read: %s" % (path, e))
        try:
            blocks.extend(parse_file(path, texts[path]))
        except InputError as e:
            die(str(e))
    if not blocks:
        print("transcripts: no transcripts found in %s" % " ".join(args.files), file=sys.stderr)
        return 1

    as_root = os.geteuid() == 0
    passed = failed = skipped = 0
    updates = []
    for block in blocks:
        if block.needs_root() and not as_root:
            print("skip %s (needs root)" % block.where())
            skipped += 1
        elif run_block(block, as_root, args.update_help, updates):
            passed += 1
        else:
            failed += 1
    apply_updates(texts, updates)

    print("%d passed, %d failed" % (passed, failed), flush=True)
    if failed:
        return 1
    if skipped:
        print("transcripts: needs root: run sudo make test", file=sys.stderr)
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
