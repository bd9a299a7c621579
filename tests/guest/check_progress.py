#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""check_progress.py LOG LABEL FIRST TOTAL: copy fstests' check output
from stdin to LOG as it is (appended), and say in $RUST_DAX_RUNDIR/progress
which test runs: "LABEL: test N of TOTAL: generic/127" when check prints a
test's name (it does so as the test starts) and the same with check's
verdict ("... 245s", "[not run] ...", "- output mismatch ...") when the
line ends.  N counts from FIRST.  Run in the VM by tests/guest/xfstests.sh.
"""

import os
import re
import sys

# A test's name, as check prints it when the test starts (padded with
# spaces, or alone at the end of what was written so far).
TEST = re.compile(rb"^([a-z0-9]+/\d+)(?=\s|$)")


def main():
    log_path, label, first, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    progress = open(os.path.join(os.environ["RUST_DAX_RUNDIR"], "progress"), "a")
    n = first - 1
    line, named = b"", None

    def say(what):
        progress.write("%s: test %d of %s: %s\n" % (label, n, total, what))
        progress.flush()

    with open(log_path, "ab", buffering=0) as log:
        while True:
            data = os.read(0, 4096)
            if not data:
                break
            log.write(data)
            parts = data.split(b"\n")
            for i, part in enumerate(parts):
                line += part
                if named is None:
                    m = TEST.match(line)
                    if m:
                        n += 1
                        named = m.group(1).decode()
                        say(named)
                if i == len(parts) - 1:
                    continue
                # The line ended: the test's verdict, if it was one.
                if named is not None:
                    verdict = b" ".join(line[len(named):].split())
                    say("%s %s" % (named, verdict.decode("utf-8", "replace")))
                line, named = b"", None
    return 0


if __name__ == "__main__":
    sys.exit(main())
