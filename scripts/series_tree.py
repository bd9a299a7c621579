#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""series_tree.py: the in-tree form of the module, shared by the build and
the patch series.

    series_tree.py intree

run in the kernel tree with GIT_INDEX_FILE naming the private index of
scripts/sync-tree.sh (pristine + patches/ + rust/ already in it), adds the
files of the in-tree form to that index:

  - dax/ (the module) as fs/dax_rust/, its Kbuild as the Makefile, its
    Kconfig (CONFIG_FS_DAX_RUST) sourced from fs/Kconfig, the directory
    listed in fs/Makefile;
  - include/rust_dax.h (the fault API) as include/linux/rust_dax.h;
  - tests/selftests/rust_dax/ as tools/testing/selftests/rust_dax/, listed
    in the TARGETS of tools/testing/selftests/Makefile;
  - Documentation/filesystems/*.rst, listed in the toctree of
    Documentation/filesystems/index.rst after "dax";
  - the MAINTAINERS section of scripts/series/MAINTAINERS.

The module's sources are not copied into the project: the tree gets the
files of the checkout (tracked and new ones, not ignored ones), with the
few rewrites the other location needs (REWRITES), every time the tree is
synced.  The out-of-tree build (make -C $KDIR M=$PWD) reads the same files.
"""

import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Where the files of the checkout go in the kernel tree: (project
# directory or file, tree directory or file).
MODULE_DIR = "fs/dax_rust"
HEADER = "include/linux/rust_dax.h"
SELFTEST_DIR = "tools/testing/selftests/rust_dax"
PLACES = [
    ("dax", MODULE_DIR),
    ("include/rust_dax.h", HEADER),
    ("tests/selftests/rust_dax", SELFTEST_DIR),
    ("Documentation/filesystems", "Documentation/filesystems"),
]
# Files of those directories that are not part of the in-tree form.
SKIP = re.compile(r"(^|/)(README\.md|\.gitignore)$")

# Text rewrites of the copied files: the module's header lives in
# ../include/ of the checkout and in include/linux/ of the tree.
REWRITES = [
    ('#include "../include/rust_dax.h"', "#include <linux/rust_dax.h>"),
    ("$(src)/../include/rust_dax.h", "$(srctree)/include/linux/rust_dax.h"),
    ("include/rust_dax.h", "include/linux/rust_dax.h"),
    ("dax/Kbuild", MODULE_DIR + "/Makefile"),
]
# The project's pages under Documentation/ are the in-tree page there.
DOC_PAGE = "Documentation/filesystems/dax-rust.rst"


def git(*args, data=None, env=None):
    r = subprocess.run(["git", *args], input=data, capture_output=True, check=False, env=env)
    if r.returncode != 0:
        sys.exit("==> error: git %s: %s" % (" ".join(args), r.stderr.decode().strip()))
    return r.stdout


def project_files(rel):
    """The files of the checkout under rel: tracked and new, not ignored."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    out = git("-C", TOP, "ls-files", "-z", "-co", "--exclude-standard", "--", rel, env=env)
    files = sorted({f for f in out.decode().split("\0") if f})
    return [f for f in files if os.path.isfile(os.path.join(TOP, f)) and not SKIP.search(f)]


def tree_path(rel):
    for src, dst in PLACES:
        if rel == src:
            return dst
        if rel.startswith(src + "/"):
            return dst + rel[len(src):]
    return None


def rewrite(rel, text):
    for old, new in REWRITES:
        text = text.replace(old, new)
    text = re.sub(r"\bDocumentation/[\w-]+\.md\b", DOC_PAGE, text)
    if rel == "dax/Kbuild":
        # The one difference of the in-tree Makefile: built as the option
        # says (=y or =m) rather than always as a module.
        text = re.sub(r"^obj-m(\s*\+=)", r"obj-$(CONFIG_FS_DAX_RUST)\1", text, flags=re.M)
    return text


def tree_name(rel):
    if rel == "dax/Kbuild":
        return MODULE_DIR + "/Makefile"
    return tree_path(rel)


def insert_after(text, anchor, new, what):
    """Insert new after the first line matching anchor (a regex of one
    line), or after the paragraph it starts when anchor ends in \\n\\n."""
    m = re.search(anchor, text, flags=re.M)
    if not m:
        sys.exit("==> error: %s: anchor %r not found" % (what, anchor))
    return text[: m.end()] + new + text[m.end():]


def edit_fs_kconfig(text):
    # After the FS_DAX_PMD entry, the last of the FS_DAX options.
    return insert_after(text, r"^config FS_DAX_PMD\n(?:[ \t].*\n)*\n",
                        'source "fs/dax_rust/Kconfig"\n\n', "fs/Kconfig")


def edit_fs_makefile(text):
    return insert_after(text, r"^obj-\$\(CONFIG_FS_DAX\)\s*\+= dax\.o\n",
                        "obj-$(CONFIG_FS_DAX_RUST)\t+= dax_rust/\n", "fs/Makefile")


def edit_selftests_makefile(text):
    lines = text.split("\n")
    new = "TARGETS += rust_dax"
    targets = [i for i, l in enumerate(lines) if l.startswith("TARGETS += ")]
    if not targets:
        sys.exit("==> error: tools/testing/selftests/Makefile: no TARGETS")
    at = targets[-1] + 1
    for i in targets:
        if lines[i] > new:
            at = i
            break
    lines.insert(at, new)
    return "\n".join(lines)


def edit_doc_index(text, pages):
    for page in sorted(pages, reverse=True):
        text = insert_after(text, r"^   dax\n", "   %s\n" % page,
                            "Documentation/filesystems/index.rst")
    return text


def edit_maintainers(text, fragment):
    """Add the sections of fragment (blocks separated by blank lines, each
    starting with its title): the F: lines of a section MAINTAINERS has go
    into it, in order; a new section goes after the one with the greatest
    title before it (MAINTAINERS is not sorted everywhere)."""
    paras = text.split("\n\n")

    def is_section(p):
        return re.match(r"^[A-Z0-9].*\n[A-Z]:\t", p) is not None

    for block in [b.strip("\n") for b in fragment.split("\n\n") if b.strip()]:
        title, _, body = block.partition("\n")
        heads = [p.split("\n", 1)[0] if is_section(p) else None for p in paras]
        if title in heads:
            i = heads.index(title)
            lines = paras[i].split("\n")
            for new in body.split("\n"):
                if not new.startswith("F:\t") or new in lines:
                    continue
                at = len(lines)
                fs = [k for k, l in enumerate(lines) if l.startswith("F:\t")]
                for k in fs:
                    if lines[k] > new:
                        at = k
                        break
                else:
                    at = fs[-1] + 1 if fs else len(lines)
                lines.insert(at, new)
            paras[i] = "\n".join(lines)
            continue
        best = None
        for i, h in enumerate(heads):
            if h is not None and h < title and (best is None or h > heads[best]):
                best = i
        if best is None:
            sys.exit("==> error: MAINTAINERS: no place for %r" % title)
        paras.insert(best + 1, block)
    return "\n\n".join(paras)


def index_blob(path):
    """The content of path in the index, or None."""
    r = subprocess.run(["git", "show", ":" + path], capture_output=True, check=False)
    return r.stdout.decode() if r.returncode == 0 else None


def put(path, text):
    blob = git("hash-object", "-w", "--stdin", data=text.encode()).decode().strip()
    git("update-index", "--add", "--cacheinfo", "100644,%s,%s" % (blob, path))


def intree_files():
    """(tree path, content) of the copied files."""
    out = []
    for src, _ in PLACES:
        for rel in project_files(src):
            with open(os.path.join(TOP, rel), encoding="utf-8") as f:
                text = f.read()
            out.append((tree_name(rel), rewrite(rel, text)))
    return out


def intree():
    if "GIT_INDEX_FILE" not in os.environ:
        sys.exit("==> error: series_tree.py intree: GIT_INDEX_FILE not set (scripts/sync-tree.sh)")
    files = intree_files()
    names = {p for p, _ in files}
    for p, text in files:
        put(p, text)
    if MODULE_DIR + "/Kconfig" not in names:
        sys.exit("==> error: dax/Kconfig missing")
    edits = {
        "fs/Kconfig": edit_fs_kconfig,
        "fs/Makefile": edit_fs_makefile,
        "tools/testing/selftests/Makefile": edit_selftests_makefile,
    }
    pages = [os.path.basename(p)[:-4] for p in names
             if p.startswith("Documentation/filesystems/") and p.endswith(".rst")]
    if pages:
        edits["Documentation/filesystems/index.rst"] = lambda t: edit_doc_index(t, pages)
    with open(os.path.join(TOP, "scripts/series/MAINTAINERS"), encoding="utf-8") as f:
        section = "".join(l for l in f if not l.startswith("#"))
    edits["MAINTAINERS"] = lambda t: edit_maintainers(t, section)
    for path, edit in edits.items():
        text = index_blob(path)
        if text is None:
            sys.exit("==> error: %s not in the kernel tree" % path)
        put(path, edit(text))


if __name__ == "__main__":
    if sys.argv[1:] != ["intree"]:
        sys.exit(__doc__)
    intree()
