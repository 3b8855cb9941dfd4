#!/usr/bin/env python3
"""Print the examples of one `nettrail TOOL --help` (read on stdin) as commands to run.

One line per example: the words after `nettrail`, shell-quoted, with continuation lines
joined and what is not the tool's own command line dropped: a `# comment`, a pipe and what
follows it, an output redirection. A prefix such as `ip netns exec NS` is dropped too (the
contract test runs every example in a namespace of its own). Lines that start with `#` are
prose, not examples.
"""
import shlex
import sys


def examples(text):
    lines = text.split("\n")
    try:
        start = lines.index("Examples:") + 1
    except ValueError:
        return []
    out, cur = [], ""
    for line in lines[start:]:
        if not line.strip():
            continue
        cur += line.strip()
        if cur.endswith("\\"):
            cur = cur[:-1] + " "
            continue
        if not cur.startswith("#"):
            out.append(cur)
        cur = ""
    return out


def command(example):
    words = shlex.split(example, comments=True)
    if "nettrail" not in words:
        return None
    words = words[words.index("nettrail") + 1:]
    for stop in ("|", ">", ">>", "2>&1"):
        if stop in words:
            words = words[:words.index(stop)]
    return words


def main():
    for ex in examples(sys.stdin.read()):
        words = command(ex)
        if words:
            print(shlex.join(words))
    return 0


if __name__ == "__main__":
    sys.exit(main())
