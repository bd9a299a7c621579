#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""follow.py [--progress [--every SECS]] FILE: print the lines of FILE as
they are written, until SIGTERM; then the rest, and exit.

FILE is written by the guest into a directory shared with the host (it
need not exist yet).  Plain, the lines go to stdout as they are.  With
--progress they go to stderr as "==> [m:ss] LINE", m:ss the time since the
start, and when SECS seconds (default 60) pass without a line, the last one
is repeated with how long ago it came ("(for m:ss)"), so that a long test
shows it is still running.
"""

import argparse
import os
import signal
import sys
import time

stop = False


def on_term(_sig, _frame):
    global stop
    stop = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--every", type=int, default=60)
    ap.add_argument("file")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    out = sys.stderr if args.progress else sys.stdout
    start = quiet = seen = time.monotonic()
    pos, buf, last = 0, b"", None

    def mmss(secs):
        secs = int(secs)
        return "%d:%02d" % (secs // 60, secs % 60)

    def emit(line, since=None):
        if args.progress:
            now = time.monotonic()
            line = "==> [%s] %s" % (mmss(now - start), line)
            if since is not None:
                line += " (for %s)" % mmss(now - since)
        out.write(line + "\n")
        out.flush()

    while True:
        ending = stop
        try:
            with open(args.file, "rb") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            data = b""
        pos += len(data)
        buf += data
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            last = raw.decode("utf-8", "replace")
            emit(last)
            quiet = seen = time.monotonic()
        if ending:
            if buf:
                emit(buf.decode("utf-8", "replace"))
            return 0
        if args.progress and time.monotonic() - quiet >= args.every:
            # Before the first line the VM boots and the guest sets up.
            emit(last if last is not None else "waiting for the guest", since=seen)
            quiet = time.monotonic()
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
