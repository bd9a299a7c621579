#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""series.py SRC OUT: write the patch series of the in-tree form into OUT.

SRC is the kernel tree of the cache (a git tree whose tag "pristine" is the
unmodified source).  The series takes that tree to exactly the content the
build uses (scripts/sync-tree.sh --print-tree: pristine + patches/ + rust/
+ the in-tree form of scripts/series_tree.py), one logical change a patch,
and OUT gets the patches and a cover letter for git am.

How the repository's files become patches:

 1. A patch of patches/ that changes anything outside rust/ and MAINTAINERS
    is taken as it is (the seam, the exports, the C fixes), and so is one
    that only edits existing Rust files (such as "rust: error: inline
    to_result()").  They come first, in the order of patches/.
 2. The other patches of patches/ (bindings, helpers, the wiring of the
    modules of rust/) are dissolved, and what they and the files of rust/
    add is regrouped into one patch per kernel-crate abstraction: a new
    Rust file (or the files of a cycle of them) with the `mod` lines that
    declare it, the C helpers and constants it uses (by the bindings it
    names), the includes of rust/bindings/bindings_helper.h its C header
    needs, its MAINTAINERS lines, and the methods added to existing files
    that it is the first to call.  A dissolved patch that declares a
    single abstraction keeps its commit message for it.  The patches are
    ordered so that each one builds: an abstraction comes after the ones
    it uses (its `use` paths, code and doctests).
 3. Then the module (fs/dax_rust/, Kconfig, Makefile, MAINTAINERS, the
    header), the kselftest target and the documentation.

The tree after the last patch is checked to be the tree the build uses.
"""

import difflib
import json
import os
import re
import subprocess
import sys
import shutil
import tempfile
import textwrap
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import series_tree  # noqa: E402

TOP = series_tree.TOP
MSGDIR = os.path.join(TOP, "scripts/series")
AUTHOR = ("rust_dax developers", "rust-dax@localhost")
SOB = "Signed-off-by: %s <%s>" % AUTHOR

# The units of the in-tree form after the Rust ones: name, the paths they
# own (prefixes), the file of their commit message.
INTREE_UNITS = [
    ("module", [series_tree.MODULE_DIR + "/", series_tree.HEADER, "fs/Kconfig", "fs/Makefile"],
     "module.msg"),
    ("selftests", [series_tree.SELFTEST_DIR + "/", "tools/testing/selftests/Makefile"],
     "selftests.msg"),
    ("docs", ["Documentation/"], "docs.msg"),
]


# What the series is made of.
SOURCES = ["patches", "rust", "dax", "include", "tests/selftests/rust_dax", "Documentation/filesystems",
           "scripts/series", "scripts/series.py", "scripts/series_tree.py", "scripts/series_cover.py"]


def die(msg):
    sys.exit("==> error: " + msg)


def warn(msg):
    print("==> warning: " + msg, file=sys.stderr)


def info(msg):
    print("==> " + msg, file=sys.stderr)


class Git:
    def __init__(self, src):
        self.src = src
        self.index = os.path.join(src, ".git", "rust-dax-series.%d.tmp" % os.getpid())
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        self.env["GIT_INDEX_FILE"] = self.index

    def __call__(self, *args, data=None, env=None, check=True):
        e = dict(self.env)
        if env:
            e.update(env)
        r = subprocess.run(["git", "-C", self.src, *args], input=data, capture_output=True,
                           env=e, check=False)
        if check and r.returncode != 0:
            die("git %s: %s" % (" ".join(args[:3]), r.stderr.decode(errors="replace").strip()))
        return r

    def out(self, *args, **kw):
        return self(*args, **kw).stdout.decode(errors="replace")

    def blob(self, tree, path):
        r = self("cat-file", "blob", "%s:%s" % (tree, path), check=False)
        return r.stdout.decode() if r.returncode == 0 else None

    def mode(self, tree, path):
        o = self.out("ls-tree", tree, "--", path).split()
        return o[0] if o else "100644"

    def close(self):
        if os.path.exists(self.index):
            os.unlink(self.index)


# ---------------------------------------------------------------------------
# The patches of patches/.

class Patch:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        head, _, rest = text.partition("\n\n")
        hdr = {}
        key = None
        for line in head.split("\n"):
            if line.startswith((" ", "\t")) and key:
                hdr[key] += " " + line.strip()
            elif ":" in line and not line.startswith("From "):
                key, _, v = line.partition(":")
                hdr[key] = v.strip()
        self.author = hdr.get("From", "%s <%s>" % AUTHOR)
        self.date = hdr.get("Date", "")
        self.subject = re.sub(r"^\[PATCH[^\]]*\]\s*", "", hdr.get("Subject", self.name))
        body, sep, diff = rest.partition("\n---\n")
        if not sep:
            die("%s: no '---' line after the message" % self.name)
        self.body = body.strip("\n")
        self.diff = diff
        self.files = re.findall(r"^diff --git a/(\S+) b/", diff, flags=re.M)
        self.plus = {}  # file -> set of added lines
        cur = None
        for line in diff.split("\n"):
            m = re.match(r"^\+\+\+ b/(\S+)", line)
            if m:
                cur = m.group(1)
                self.plus.setdefault(cur, set())
            elif line.startswith("+") and not line.startswith("+++") and cur:
                self.plus[cur].add(line[1:])
        self.kind = None
        self.wires = set()  # new Rust module files it declares

    def message(self):
        return "%s\n\n%s\n" % (self.subject, self.body)


def rust_side(path):
    return path.startswith("rust/") or path == "MAINTAINERS"


# ---------------------------------------------------------------------------
# Rust source analysis.

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def module_path(path):
    """rust/kernel/dax/entry.rs -> ('kernel', 'dax', 'entry')."""
    p = path[len("rust/"):-len(".rs")]
    parts = p.split("/")
    if parts[-1] in ("lib", "mod"):
        parts = parts[:-1]
    return tuple(parts)


def child_file(parent, name, files):
    """The file of module `name` declared in the file `parent`."""
    base = parent[:-3]
    if os.path.basename(base) in ("lib", "mod"):
        base = os.path.dirname(base)
    for cand in (base + "/" + name + ".rs", base + "/" + name + "/mod.rs"):
        if cand in files:
            return cand
    return None


def split_lines(text):
    """Classify the lines of a Rust file: (line, kind) with kind 'code',
    'doc-code' (in a code block of a doc comment: a doctest) or 'comment'."""
    out = []
    fence = False
    for line in text.split("\n"):
        s = line.strip()
        if s.startswith(("///", "//!")):
            c = s[3:].strip()
            if c.startswith("```"):
                fence = not fence
                out.append((line, "comment"))
            elif fence:
                out.append((c.lstrip("#").strip() if c.startswith("# ") or c == "#" else c,
                            "doc-code"))
            else:
                out.append((line, "comment"))
        elif s.startswith("//"):
            fence = False
            out.append((line, "comment"))
        else:
            fence = False
            out.append((line, "code"))
    return out


def code_text(text):
    return "\n".join(l for l, k in split_lines(text) if k != "comment")


def expand_use(tree):
    """The names a use tree ("a::{self, b as c, d::{e, f}}") brings in, as
    (path, name): the path as a list of segments and the name it binds,
    the last segment or the alias ("a::{self}" is the module a itself)."""
    tree = re.sub(r"//[^\n]*", "", tree)
    # One space at most, and only in "b as c".
    tree = re.sub(r" ?(::|[{},]) ?", r"\1", " ".join(tree.split()))
    out = []

    def walk(prefix, s):
        # s: one tree, e.g. "a::b", "a::b as c", "a::{b,c}", "{b,c}", "*"
        if s.startswith("{"):
            for part in split_top(s[1:-1]):
                if part:
                    walk(prefix, part)
            return
        i = s.find("::{")
        if i >= 0 and s.endswith("}"):
            head = s[:i].split("::")
            for part in split_top(s[i + 3:-1]):
                if part:
                    walk(prefix + head, part)
            return
        s, _, alias = s.partition(" as ")
        path = prefix + [x for x in s.split("::") if x]
        if len(path) > 1 and path[-1] == "self":
            path = path[:-1]
        if path:
            out.append((path, alias or path[-1]))

    def split_top(s):
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        parts.append(cur)
        return parts

    walk([], tree)
    return out


def rust_refs(text, modpath):
    """The absolute paths a Rust file names in code and doctests."""
    code = code_text(text)
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", code):
        for p, _ in expand_use(m.group(1)):
            paths.append(p)
    for m in re.finditer(r"\b(crate|kernel|super|self)((?:::" + IDENT + ")+)", code):
        paths.append([m.group(1)] + m.group(2).split("::")[1:])
    out = set()
    for p in paths:
        p = [re.sub(r"^r#", "", x) for x in p]
        if p and p[0] in ("crate", "kernel", "super", "self"):
            out.add(absolute(p, modpath))
    return out


def absolute(p, modpath):
    """The absolute path of the path p (segments) named in module modpath:
    from the crate root, super or self, else from modpath."""
    if p[0] in ("crate", "kernel"):
        return tuple([modpath[0]] + p[1:])
    cur = list(modpath)
    while p and p[0] in ("super", "self"):
        if p[0] == "super":
            cur = cur[:-1]
        p = p[1:]
    return tuple(cur + p)


def reexports(text, modpath):
    """The names a module re-exports (`pub use` in code), as
    {path of the name in the module: the absolute path it stands for}."""
    out = {}
    for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", code_text(text)):
        for p, name in expand_use(m.group(1)):
            p = [re.sub(r"^r#", "", x) for x in p]
            name = re.sub(r"^r#", "", name)
            if name in ("*", "_"):
                continue
            ab = absolute(p, modpath)  # (a child module's path is relative)
            key = tuple(modpath) + (name,)
            if ab != key:
                out[key] = ab
    return out


def resolve(ref, reexp):
    """The paths ref goes through: ref, then ref with each re-export on
    the way replaced by what it names, the last one the item itself.  Each
    needs its module: that of a `pub use`, then that of the item."""
    ref = tuple(ref)
    out = [ref]
    for _ in range(8):
        for n in range(len(ref), 0, -1):
            t = reexp.get(ref[:n])
            if t and t != ref[:n]:
                ref = t + ref[n:]
                out.append(ref)
                break
        else:
            break
    return out


# A function a C header declares: its name starts a line, or follows the
# return type on the line, before the first parenthesis.  A call in an
# inline function or a comment does not start its line.
DECLARATION = re.compile(r"^(?:[A-Za-z_][^;{}()\n]*[ \t*])?(" + IDENT + r")\s*\(", re.M)


def declared_names(header):
    """The names of the functions a C header declares."""
    return set(DECLARATION.findall(header))


def binding_names(text):
    code = code_text(text)
    return set(re.findall(r"\bbindings::(" + IDENT + ")", code))


def defined_names(lines):
    names = set()
    for l in lines:
        m = re.match(r"\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+|unsafe\s+|async\s+|extern\s+\"C\"\s+)*"
                     r"(fn|struct|enum|trait|type|const|static|macro_rules!)\s*(" + IDENT + ")", l)
        if m:
            names.add((m.group(1), m.group(2)))
    return names


def uses_name(code, kind, name):
    if kind == "fn":
        return re.search(r"(\.|::)" + re.escape(name) + r"\s*(\(|::<)", code) is not None
    if kind == "macro_rules!":
        return re.search(r"\b" + re.escape(name) + r"!", code) is not None
    return re.search(r"\b" + re.escape(name) + r"\b", code) is not None


# ---------------------------------------------------------------------------
# Changes of one file between the kept patches and the wanted tree, split
# into items that can be applied in any subset.

class Item:
    def __init__(self, path, new, old=None):
        self.path = path
        self.new = new      # lines inserted (or replacing old)
        self.old = old      # lines replaced, None for an insertion
        self.unit = None
        self.prov = None    # the dissolved patch it comes from

    def text(self):
        return "".join(self.new)


class FileChange:
    def __init__(self, path, a, b):
        self.path = path
        self.a = a  # None: new file
        self.b = b  # None: deleted file
        self.segs = []  # ['eq', lines] or ['items', [Item]]
        al = [] if a is None else a.splitlines(keepends=True)
        bl = [] if b is None else b.splitlines(keepends=True)
        segs = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, al, bl,
                                                           autojunk=False).get_opcodes():
            if tag == "equal":
                segs.append(["eq", bl[j1:j2]])
            elif tag == "insert":
                segs.append(["ins", bl[j1:j2]])
            else:
                segs.append(["chg", al[i1:i2], bl[j1:j2]])
        segs = self.slide(segs)
        for s in segs:
            if s[0] == "eq":
                self.segs.append(s)
            elif s[0] == "chg":
                self.segs.append(["items", [Item(path, s[2], s[1])]])
            else:
                self.segs.append(["items", self.split(s[1])])

    @staticmethod
    def slide(segs):
        """Move each insertion along equal lines so that it starts with a
        blank line where it can (as git's diff heuristics do)."""
        for k, s in enumerate(segs):
            if s[0] != "ins" or not s[1] or blank(s[1][0]):
                continue
            prev = segs[k - 1][1] if k > 0 and segs[k - 1][0] == "eq" else None
            nxt = segs[k + 1][1] if k + 1 < len(segs) and segs[k + 1][0] == "eq" else None
            block = list(s[1])
            # Up: the line before the block equals its last line.
            p, n, b = list(prev or []), list(nxt or []), list(block)
            while p and p[-1] == b[-1] and not blank(b[0]):
                n.insert(0, b.pop())
                b.insert(0, p.pop())
            if blank(b[0]) and prev is not None:
                segs[k - 1][1], s[1] = p, b
                if nxt is not None:
                    segs[k + 1][1] = n
                elif n:
                    segs.insert(k + 1, ["eq", n])
                continue
            # Down: the line after the block equals its first line.
            p, n, b = list(prev or []), list(nxt or []), list(block)
            while n and n[0] == b[0] and not blank(b[0]):
                p.append(b.pop(0))
                b.append(n.pop(0))
            if blank(b[0]) and nxt is not None:
                s[1], segs[k + 1][1] = b, n
                if prev is not None:
                    segs[k - 1][1] = p
                elif p:
                    segs.insert(k, ["eq", p])
        return segs

    def split(self, block):
        """Items of an inserted block: paragraphs (with their blank line),
        then lines or definitions, by the kind of file."""
        if not block:
            return []
        paras = []
        if blank(block[0]):
            for l in block:
                if blank(l) or not paras:
                    paras.append([l])
                else:
                    paras[-1].append(l)
        elif blank(block[-1]):
            cur = []
            for l in block:
                cur.append(l)
                if blank(l):
                    paras.append(cur)
                    cur = []
            if cur:
                paras.append(cur)
        else:
            paras = [block]
        items = []
        for p in paras:
            for sub in self.split_para(p):
                items.append(sub)
        return items

    def split_para(self, p):
        path = self.path
        lead = []
        trail = []
        body = list(p)
        while body and blank(body[0]):
            lead.append(body.pop(0))
        while body and blank(body[-1]):
            trail.insert(0, body.pop())
        subs = []
        if path.endswith(".rs"):
            cur = []
            for l in body:
                cur.append(l)
                s = l.strip()
                if s.startswith(("#[", "///", "//")) or s == "":
                    continue
                subs.append(cur)
                cur = []
            if cur:
                subs.append(cur)
            # Keep a definition (lines without a mod or use declaration)
            # together.
            merged = []
            for s in subs:
                if merged and not is_decl(s) and not is_decl(merged[-1]):
                    merged[-1] += s
                else:
                    merged.append(s)
            subs = merged
        elif path.endswith(".c") and path.startswith("rust/helpers/") and \
                path != "rust/helpers/helpers.c":
            cur = []
            for l in body:
                if l.startswith("#"):
                    if cur:
                        subs.append(cur)
                        cur = []
                    subs.append([l])
                else:
                    cur.append(l)
            if cur:
                subs.append(cur)
        elif path in ("MAINTAINERS", "rust/bindings/bindings_helper.h", "rust/helpers/helpers.c"):
            subs = [[l] for l in body]
        else:
            subs = [body] if body else []
        if not subs:
            subs = [[]]
        subs[0] = lead + subs[0]
        subs[-1] = subs[-1] + trail
        return [Item(path, s) for s in subs]

    def items(self):
        for s in self.segs:
            if s[0] == "items":
                yield from s[1]

    def content(self, upto):
        """The file with the items of the units before upto (an index in
        the order of units) applied; None if it does not exist."""
        lines = []
        any_new = False
        for s in self.segs:
            if s[0] == "eq":
                lines += s[1]
            else:
                for it in s[1]:
                    if it.unit.pos < upto:
                        lines += it.new
                        any_new = True
                    elif it.old is not None:
                        lines += it.old
        if self.a is None and not any_new:
            return None
        if self.b is None and all(it.unit.pos < upto for it in self.items()):
            return None
        return "".join(lines)


def blank(line):
    return line.strip() == ""


def is_decl(lines):
    for l in lines:
        s = l.strip()
        if re.match(r"^(pub(\([^)]*\))?\s+)?mod\s+" + IDENT + r"\s*;", s) or \
                re.match(r"^pub\s+use\s+self::", s):
            return True
    return False


# ---------------------------------------------------------------------------
# Units: one patch each.

class Unit:
    def __init__(self, name, kind):
        self.name = name          # sort key and id
        self.kind = kind          # 'patch', 'rust', 'module', 'selftests', 'docs'
        self.files = set()        # new Rust module files
        self.deps = set()         # unit names
        self.patch = None         # the patch it keeps (kind 'patch') or whose message it takes
        self.pos = None
        self.items = []
        self.groups = []          # (file, names) of methods added to existing files

    def __repr__(self):
        return "Unit(%s)" % self.name


def scc(nodes, edges):
    """Strongly connected components (Tarjan), each a sorted list."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def toposort(names, deps):
    """Order names so that each comes after its deps; among those ready,
    the smallest name first."""
    done, order = set(), []
    left = set(names)
    while left:
        ready = sorted(n for n in left if deps.get(n, set()) & left <= set())
        if not ready:
            die("dependency cycle among %s" % ", ".join(sorted(left)))
        n = ready[0]
        order.append(n)
        done.add(n)
        left.discard(n)
    return order


# ---------------------------------------------------------------------------

class Series:
    def __init__(self, src, out):
        self.src = src
        self.out = out
        self.git = Git(src)
        self.pristine = self.git.out("rev-parse", "pristine^{commit}").strip()
        self.uncalled = []
        self.used_msgs = set()
        # The date of the generated commits: that of the last commit to
        # what the series is made of, so that the patches change only with
        # it.
        self.date = self.git_top("log", "-1", "--format=%aD", "--", *SOURCES).strip() or \
            time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())

    def git_top(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        r = subprocess.run(["git", "-C", TOP, *args], capture_output=True, env=env, check=False)
        return r.stdout.decode() if r.returncode == 0 else ""

    # -- trees ---------------------------------------------------------------

    def wanted_tree(self):
        r = subprocess.run([os.path.join(TOP, "scripts/sync-tree.sh"), "--print-tree", self.src],
                           capture_output=True, check=False)
        if r.returncode != 0:
            sys.stderr.write(r.stderr.decode())
            die("scripts/sync-tree.sh --print-tree failed")
        return r.stdout.decode().strip().split("\n")[-1]

    def commit(self, tree, parent, msg, author=None, date=None):
        name, mail = AUTHOR
        if author:
            m = re.match(r"^(.*?)\s*<([^>]*)>", author)
            if m:
                name, mail = m.group(1).strip('"'), m.group(2)
        env = {
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": mail,
            "GIT_AUTHOR_DATE": date or self.date,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": mail,
            "GIT_COMMITTER_DATE": date or self.date,
        }
        return self.git.out("commit-tree", tree, "-p", parent, "-F", "-",
                            data=msg.encode(), env=env).strip()

    # -- the patches of patches/ ---------------------------------------------

    def read_patches(self):
        paths = sorted(os.path.join(TOP, "patches", f) for f in os.listdir(os.path.join(TOP, "patches"))
                       if f.endswith(".patch"))
        self.patches = [Patch(p) for p in paths]

    def classify(self, overlay_rs):
        for p in self.patches:
            for f, lines in p.plus.items():
                if not f.endswith(".rs"):
                    continue
                for l in lines:
                    m = re.match(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", l)
                    if m:
                        c = child_file(f, m.group(1), overlay_rs)
                        if c:
                            p.wires.add(c)
            if any(not rust_side(f) for f in p.files):
                p.kind = "c"
            elif p.wires or any(f.startswith(("rust/helpers/", "rust/bindings/")) for f in p.files) \
                    or any(f.endswith(".rs") and "+++ /dev/null" in p.diff for f in p.files) \
                    or re.search(r"^new file mode", p.diff, flags=re.M):
                p.kind = "dissolve"
            else:
                p.kind = "rust"
            if p.kind == "c" and p.wires:
                die("%s changes files outside rust/ and declares the Rust module(s) %s of rust/: "
                    "split it into the C change and the Rust one" % (p.name, ", ".join(sorted(p.wires))))

    # -- main ----------------------------------------------------------------

    def run(self):
        info("reading patches/ and rust/")
        self.read_patches()
        wanted = self.wanted_tree()
        pristine_tree = self.git.out("rev-parse", "pristine^{tree}").strip()
        overlay_rs = set()
        for f in series_tree.project_files("rust"):
            if f.endswith(".rs"):
                overlay_rs.add(f)
        self.classify(overlay_rs)

        # 1. The kept patches, in order.
        self.git("read-tree", pristine_tree)
        head = self.pristine
        self.commits = []  # (commit, unit)
        kept = [p for p in self.patches if p.kind in ("c", "rust")]
        for p in kept:
            r = self.git("apply", "--cached", "--whitespace=nowarn", "-", data=p.diff.encode(),
                         check=False)
            if r.returncode != 0:
                die("%s does not apply without the patches that are split up (%s): %s" % (
                    p.name, ", ".join(q.name for q in self.patches if q.kind == "dissolve"),
                    r.stderr.decode().strip()))
            tree = self.git.out("write-tree").strip()
            head = self.commit(tree, head, p.message(), p.author, p.date)
            u = Unit(p.name, "patch")
            u.patch = p
            self.commits.append((head, u))
        base = head
        base_tree = self.git.out("rev-parse", base + "^{tree}").strip()

        # 2. What the wanted tree adds to that.
        changed = self.git.out("diff-tree", "-r", "--no-renames", "--name-status", base_tree,
                               wanted).split("\n")
        changes = {}
        for line in changed:
            if not line.strip():
                continue
            status, path = line.split("\t", 1)
            a = None if status == "A" else self.git.blob(base_tree, path)
            b = None if status == "D" else self.git.blob(wanted, path)
            changes[path] = FileChange(path, a, b)
        self.changes = changes
        self.base_tree = base_tree
        self.wanted = wanted

        units = self.make_units(changes, overlay_rs)
        self.units = units

        # 3. One commit per unit.
        for u in units:
            # The index holds the tree of head.
            for path, ch in changes.items():
                before = ch.content(u.pos)
                after = ch.content(u.pos + 1)
                if before == after:
                    continue
                if after is None:
                    self.git("update-index", "--force-remove", "--", path)
                else:
                    blob = self.git.out("hash-object", "-w", "--stdin",
                                        data=after.encode()).strip()
                    mode = self.git.mode(wanted, path)
                    self.git("update-index", "--add", "--cacheinfo", "%s,%s,%s" % (mode, blob, path))
            tree = self.git.out("write-tree").strip()
            msg = self.message(u)
            author = u.patch.author if u.patch else None
            date = u.patch.date if u.patch else None
            head = self.commit(tree, head, msg, author, date)
            self.commits.append((head, u))
        final = self.git.out("rev-parse", head + "^{tree}").strip()
        if final != wanted:
            print(self.git.out("diff", "--stat", final, wanted), file=sys.stderr)
            die("the series does not end at the tree the build uses")
        self.head = head
        for f in sorted(os.listdir(os.path.join(MSGDIR, "msg"))):
            if f.endswith(".msg") and f not in self.used_msgs:
                warn("scripts/series/msg/%s: no patch has the files it names" % f)
        for name, unit in self.uncalled:
            info("helper %s() is not called from Rust (only named, in %s)" % (name, unit))
        self.write()
        self.git.close()

    # -- units ---------------------------------------------------------------

    def make_units(self, changes, overlay_rs):
        new_rs = sorted(p for p, ch in changes.items()
                        if p.endswith(".rs") and p.startswith("rust/") and ch.a is None)
        texts = {p: changes[p].b for p in new_rs}
        # Containers: new module files with nothing but docs and mod lines.
        containers = set()
        for p in new_rs:
            body = [l for l, k in split_lines(texts[p]) if k == "code" and l.strip()]
            if all(re.match(r"^\s*(#\[.*\]|(pub(\([^)]*\))?\s+)?mod\s+" + IDENT + r"\s*;)\s*$", l)
                   for l in body):
                containers.add(p)
        mods = {module_path(p): p for p in new_rs}
        # Module of a path: the longest prefix that is a new module file.

        def owner(path):
            for n in range(len(path), 0, -1):
                f = mods.get(tuple(path[:n]))
                if f:
                    return f
            return None

        # What modules re-export (`pub use self::inode::Inode` in fs.rs):
        # a path through a re-export needs the file of the `pub use` and
        # that of what it names.
        reexp = {}
        for q, ch in changes.items():
            if q.endswith(".rs") and q.startswith("rust/") and ch.b is not None:
                reexp.update(reexports(ch.b, module_path(q)))

        def needs(ref):
            """The new module files the path ref needs."""
            return {owner(r) for r in resolve(ref, reexp)} - {None}
        deps = {}
        for p in new_rs:
            d = set()
            for ref in rust_refs(texts[p], module_path(p)):
                d |= needs(ref)
            d.discard(p)
            deps[p] = d
        # A file needs its parent module; a container is part of its first
        # child's unit, so the dependency goes to the children instead.
        parent = {}
        for p in new_rs:
            mp = module_path(p)
            par = mods.get(mp[:-1])
            if par:
                parent[p] = par

        def real(f):
            return {f} if f not in containers else \
                {c for c in new_rs if parent.get(c) == f}
        files = [p for p in new_rs if p not in containers]
        edges = {p: set() for p in files}
        for p in files:
            for d in deps[p]:
                if d in containers:
                    continue  # the container comes with the earliest child
                edges[p].add(d)
        # A private child module (`mod x;`) is a part of its parent, split
        # off to keep files short: it comes in the parent's patch.
        for p in files:
            par = parent.get(p)
            if par in edges and re.search(r"^mod\s+%s\s*;" % re.escape(module_path(p)[-1]),
                                          texts[par], flags=re.M):
                edges[p].add(par)
                edges[par].add(p)
        comps = scc(files, edges)
        unit_of = {}
        units = {}
        for comp in comps:
            name = "::".join(module_path(comp[0]))
            u = Unit(name, "rust")
            u.files = set(comp)
            units[name] = u
            for f in comp:
                unit_of[f] = u
        for u in units.values():
            for f in u.files:
                for d in edges[f]:
                    if unit_of[d] is not u:
                        u.deps.add(unit_of[d].name)

        # Dissolved patches that declare one unit give it their message.
        dissolved = [p for p in self.patches if p.kind == "dissolve"]
        for p in dissolved:
            ws = set()
            for f in p.wires:
                if f in containers:
                    ws |= {unit_of[c].name for c in real(f) if c in unit_of}
                elif f in unit_of:
                    ws.add(unit_of[f].name)
            p.units = ws
            if len(ws) == 1:
                u = units[next(iter(ws))]
                if u.patch is None:
                    u.patch = p

        # Provenance of the items.
        for ch in changes.values():
            for it in ch.items():
                lines = [l.rstrip("\n") for l in it.new if l.strip()]
                if not lines:
                    continue
                for p in dissolved:
                    plus = p.plus.get(it.path, set())
                    if all(l in plus for l in lines):
                        it.prov = p
                        break

        order = toposort(list(units), {n: u.deps for n, u in units.items()})
        ulist = [units[n] for n in order]

        # Methods added to existing Rust files: to the first unit that calls
        # them, or a patch of their own.
        groups = {}
        for path, ch in changes.items():
            if not (path.endswith(".rs") and ch.a is not None and path.startswith("rust/")):
                continue
            for it in ch.items():
                if is_decl(it.new):
                    continue
                key = (path, it.prov.name if it.prov else None)
                groups.setdefault(key, []).append(it)
        codes = {u.name: "\n".join(code_text(texts[f]) for f in sorted(u.files)) for u in ulist}
        urefs = {u.name: {r for f in u.files for r in rust_refs(texts[f], module_path(f))}
                 for u in ulist}

        def calls(u, path, names):
            """Whether unit u calls one of names, defined in the existing
            file path: it names one of them and the module (or its parent,
            which may re-export it)."""
            mp = module_path(path)
            if not any(r[:len(mp)] == mp or r[:len(mp) - 1] == mp[:-1] and len(r) == len(mp)
                       for r in urefs.get(u.name, ())):
                return False
            return any(uses_name(codes[u.name], k, n) for k, n in names)
        for (path, prov), its in sorted(groups.items()):
            p = next((q for q in dissolved if q.name == prov), None)
            host = None
            if p is not None and len(p.units) == 1:
                host = units[next(iter(p.units))]
            names = defined_names(l for it in its for l in it.new)
            if host is None and names:
                for u in ulist:
                    if calls(u, path, names):
                        host = u
                        break
            if host is None:
                name = "%s (%s)" % ("::".join(module_path(path)), ", ".join(sorted(n for _, n in names)))
                host = Unit(name, "rust")
                host.patch = p if p is not None and len(p.units) == 0 else None
                gdeps = set()
                code = "\n".join(code_text("\n".join(it.new)) for it in its)
                for ref in rust_refs(code, module_path(path)):
                    for f in needs(ref):
                        gdeps.add(unit_of[f].name if f in unit_of else None)
                gdeps.discard(None)
                # Right after its last dependency, or first.
                at = max([ulist.index(units[d]) + 1 for d in gdeps] or [0])
                ulist.insert(at, host)
                units[name] = host
                codes[name] = code
            host.groups.append((path, sorted(qualify(self.changes[path], it, n)
                                             for it in its for k, n in defined_names(it.new)
                                             if k == "fn")
                                or sorted(n for _, n in names)))
            for it in its:
                it.unit = host
            codes[host.name] += "\n" + "\n".join(code_text("\n".join(it.new)) for it in its)

        for i, u in enumerate(ulist):
            u.pos = i
        first_rust = ulist[0] if ulist else None

        # New Rust files.
        for p in new_rs:
            ch = changes[p]
            for it in ch.items():
                if p in containers:
                    continue
                it.unit = unit_of[p]
        # The unit a path belongs to: the unit of the new file, or the
        # earliest one with a new file under the directory.
        file_unit = {}

        def assign_decl(path, it):
            for l in it.new:
                s = l.strip()
                m = re.match(r"^(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", s) or \
                    re.match(r"^pub\s+use\s+self::(" + IDENT + r")", s)
                if m:
                    c = child_file(path, m.group(1), set(new_rs))
                    if c in unit_of:
                        return unit_of[c]
                    if c in containers:
                        kids = [unit_of[k] for k in real(c) if k in unit_of]
                        if kids:
                            return min(kids, key=lambda u: u.pos)
            return None

        # mod lines, in containers and existing files.
        for path, ch in changes.items():
            if not path.endswith(".rs") or not path.startswith("rust/"):
                continue
            for it in ch.items():
                if it.unit is None and is_decl(it.new):
                    it.unit = assign_decl(path, it)
        for p in sorted(containers):
            its = list(changes[p].items())
            got = [it.unit for it in its if it.unit]
            first = min(got, key=lambda u: u.pos) if got else first_rust
            for it in its:
                if it.unit is None:
                    it.unit = first

        # Codes of the units with their final content, for bindings.
        uses = {}
        for u in ulist:
            text = "\n".join(texts[f] for f in sorted(u.files))
            text += "\n" + "\n".join(it.text() for ch in changes.values() for it in ch.items()
                                     if it.unit is u and it.path.endswith(".rs"))
            uses[u.name] = (binding_names(text), text)

        def by_binding(name):
            for u in ulist:
                if name in uses[u.name][0]:
                    return u
            # Not called: with the first abstraction that names the C
            # function (a Rust restatement of it, say), and reported.
            for u in ulist:
                if re.search(r"\b%s\b" % re.escape(name), uses[u.name][1]):
                    self.uncalled.append((name, u.name))
                    return u
            return None

        def fallback(it, why):
            if it.prov is not None and len(getattr(it.prov, "units", ())) == 1:
                return units[next(iter(it.prov.units))]
            warn("%s: %s: %s; it goes with the first Rust patch" % (
                it.path, " / ".join(l.strip() for l in it.new if l.strip())[:70], why))
            return first_rust

        # C helpers and constants.
        for path, ch in changes.items():
            if not path.startswith("rust/helpers/") or path == "rust/helpers/helpers.c":
                continue
            its = list(ch.items())
            for it in its:
                m = re.search(r"\brust_helper_(" + IDENT + r")\s*\(", it.text())
                if m:
                    it.unit = by_binding(m.group(1)) or fallback(it, "no Rust code calls it")
            # Preprocessor lines: with the earliest helper they enclose;
            # the rest (includes) with the earliest of the file.
            units_in = [it.unit for it in its if it.unit]
            first = min(units_in, key=lambda u: u.pos) if units_in else None
            stack = []
            for k, it in enumerate(its):
                s = it.text().strip()
                if re.match(r"^#\s*if", s):
                    stack.append(k)
                elif re.match(r"^#\s*endif", s) and stack:
                    start = stack.pop()
                    inner = [x.unit for x in its[start + 1:k] if x.unit]
                    u = min(inner, key=lambda u: u.pos) if inner else first
                    its[start].unit = its[k].unit = u
            for it in its:
                if it.unit is None:
                    it.unit = first or fallback(it, "nothing in the file is used")
            file_unit[path] = first
        bh = changes.get("rust/bindings/bindings_helper.h")
        if bh:
            its = list(bh.items())
            for it in its:
                m = re.search(r"RUST_CONST_HELPER_(" + IDENT + r")\s*=", it.text())
                if m:
                    it.unit = by_binding(m.group(1)) or fallback(it, "no Rust code uses it")
            earliest = [it.unit for it in its if it.unit]
            earliest = min(earliest, key=lambda u: u.pos) if earliest else None
            declared = {}  # header: the functions it declares
            for it in its:
                m = re.search(r"#include\s*<([^>]+)>", it.text())
                if m and it.unit is None:
                    # With the first abstraction that names the header (its
                    # "C header:" line) or calls a function it declares,
                    # else before the first constant.
                    hdr = m.group(1)
                    if hdr not in declared:
                        declared[hdr] = declared_names(
                            self.git.blob(self.wanted, "include/" + hdr) or "")
                    cand = [u for u in ulist
                            if hdr in uses[u.name][1] or uses[u.name][0] & declared[hdr]]
                    it.unit = cand[0] if cand else earliest or \
                        fallback(it, "no Rust file names the header")
            for it in its:
                if it.unit is None:
                    it.unit = earliest or fallback(it, "not an include or a constant")
        hc = changes.get("rust/helpers/helpers.c")
        if hc:
            for it in hc.items():
                m = re.search(r'#include\s*"([^"]+)"', it.text())
                if m and "rust/helpers/" + m.group(1) in file_unit:
                    it.unit = file_unit["rust/helpers/" + m.group(1)]
                elif it.unit is None:
                    it.unit = fallback(it, "not the include of a new helper file")

        # The in-tree units.
        intree = []
        for name, prefixes, msgfile in INTREE_UNITS:
            u = Unit(name, name)
            u.prefixes = prefixes
            u.msgfile = msgfile
            u.pos = len(ulist) + len(intree)
            intree.append(u)
            units[name] = u

        def path_unit(path):
            for u in intree:
                if any(path == p or (p.endswith("/") and path.startswith(p)) for p in u.prefixes):
                    return u
            for f, u in unit_of.items():
                if f == path:
                    return u
            if path in file_unit and file_unit[path]:
                return file_unit[path]
            under = [u for f, u in unit_of.items() if f.startswith(path.rstrip("/") + "/")
                     or f == path.rstrip("/") + ".rs"]
            under += [u for f, u in file_unit.items() if u and f.startswith(path.rstrip("/") + "/")]
            if path.rstrip("/") + ".rs" in containers or path in containers:
                c = path if path.endswith(".rs") else path.rstrip("/") + ".rs"
                under += [unit_of[k] for k in real(c) if k in unit_of]
            return min(under, key=lambda u: u.pos) if under else None

        for path, ch in changes.items():
            if path.startswith("rust/") or path == "MAINTAINERS":
                continue
            u = path_unit(path)
            if u is None:
                die("%s changes between the kept patches and the tree the build uses, "
                    "and no patch of the series owns it" % path)
            for it in ch.items():
                it.unit = u
        mt = changes.get("MAINTAINERS")
        if mt:
            # F: lines with the unit of their path; the other lines of a new
            # section with the earliest of its F: lines.
            for seg in mt.segs:
                if seg[0] != "items":
                    continue
                # Sections: a blank line ends one.
                sections = [[]]
                for it in seg[1]:
                    if it.new and blank(it.new[0]) and sections[-1]:
                        sections.append([])
                    sections[-1].append(it)
                    if it.new and blank(it.new[-1]) and len(it.new) > 1:
                        sections.append([])
                for its in sections:
                    for it in its:
                        m = re.match(r"^F:\s*(\S+)", it.text().strip())
                        if m:
                            it.unit = path_unit(m.group(1)) or fallback(it, "no patch adds the path")
                    got = [it.unit for it in its if it.unit]
                    first = min(got, key=lambda u: u.pos) if got else None
                    for it in its:
                        if it.unit is None:
                            it.unit = first or fallback(it, "no F: line in the section")

        for ch in changes.values():
            for it in ch.items():
                if it.unit is None:
                    it.unit = fallback(it, "nothing decides where it goes")
                it.unit.items.append(it)
        allunits = ulist + intree
        for u in allunits:
            for it in u.items:
                pass
        # Units without a change (a rust unit that got nothing) cannot be.
        return [u for u in allunits if u.items]

    # -- messages ------------------------------------------------------------

    def message(self, u):
        if u.kind in ("module", "selftests", "docs"):
            return self.template_message(u.msgfile)
        if u.patch is not None and (u.files or u.groups) and len(getattr(u.patch, "units", ())) <= 1:
            return u.patch.message()
        return self.rust_message(u)

    def template_message(self, name):
        path = os.path.join(MSGDIR, name)
        with open(path, encoding="utf-8") as f:
            text = "".join(l for l in f if not l.startswith("#"))
        return text.strip("\n") + "\n\n" + SOB + "\n"

    def unit_key(self, u):
        """What a written message must say it covers: the unit's new files
        and the existing files it adds methods to."""
        return sorted(u.files | {p for p, _ in u.groups})

    def rust_message(self, u):
        key = self.unit_key(u)
        for over in sorted(os.listdir(os.path.join(MSGDIR, "msg"))):
            path = os.path.join(MSGDIR, "msg", over)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            m = re.search(r"^# files:(.*)$", text, flags=re.M)
            if m and sorted(m.group(1).split()) == key:
                self.used_msgs.add(over)
                return self.template_message(os.path.relpath(path, MSGDIR))
        warn("no message in scripts/series/msg/ for the patch of %s: made from its docs" %
             " ".join(key))
        files = sorted(u.files)
        paras = []
        if files:
            mp = module_path(files[0])
            subject = "rust: %s: add %s" % (": ".join(mp[1:-1]) or mp[0],
                                             " and ".join(module_path(f)[-1] for f in files))
            for f in files:
                d = module_doc(self.changes[f].b)
                if len(files) > 1 and d:
                    d = "%s: %s" % ("::".join(module_path(f)), d)
                if d:
                    paras.append(d)
        else:
            path, names = u.groups[0]
            mp = module_path(path)
            subject = "rust: %s: add %s" % (": ".join(mp[1:]), join_list(n + "()" for n in names))
        extra = []
        for path, names in u.groups:
            if files and names:
                extra.append("Add %s (%s), which it uses." % (
                    join_list(n + "()" for n in names), "::".join(module_path(path))))
            elif names:
                extra.append(method_docs(self.changes[path], names))
        helpers = sorted({re.search(r"rust_helper_(" + IDENT + ")", it.text()).group(1) + "()"
                          for it in u.items if it.path.startswith("rust/helpers/")
                          and re.search(r"rust_helper_(" + IDENT + ")", it.text())})
        consts = sorted({re.search(r"RUST_CONST_HELPER_(" + IDENT + ")", it.text()).group(1)
                         for it in u.items if "RUST_CONST_HELPER_" in it.text()})
        incs = sorted({re.search(r"#include\s*<([^>]+)>", it.text()).group(1)
                       for it in u.items if it.path == "rust/bindings/bindings_helper.h"
                       and "#include" in it.text()})
        if incs:
            extra.append("Make %s visible to bindgen." % join_list("<%s>" % i for i in incs))
        if helpers:
            extra.append("Add helpers for the inline functions and macros it calls: %s." %
                         join_list(helpers))
        if consts:
            extra.append("Export %s, which bindgen cannot evaluate, as %s." % (
                join_list(consts), "constants" if len(consts) > 1 else "a constant"))
        if any(it.path == "MAINTAINERS" for it in u.items):
            extra.append("List the new files in MAINTAINERS.")
        suites = sorted({m for f in files for m in re.findall(r"kunit_tests\((" + IDENT + r")\)",
                                                               self.changes[f].b)})
        if suites:
            extra.append("The KUnit suite%s %s test%s it." % (
                "s" if len(suites) > 1 else "", join_list(suites), "" if len(suites) > 1 else "s"))
        if extra:
            paras.append(" ".join(extra))
        body = "\n\n".join(textwrap.fill(p, 72, break_long_words=False, break_on_hyphens=False)
                           for p in paras)
        return "%s\n\n%s\n\n%s\n" % (subject, body, SOB)

    # -- output --------------------------------------------------------------

    def write(self):
        out = self.out
        os.makedirs(out, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".new.", dir=out)
        self.git("format-patch", "--no-renames", "--numbered", "--subject-prefix=PATCH",
                 "--zero-commit", "-o", tmp, "%s..%s" % (self.pristine, self.head))
        def content(path):
            # What a check depends on: not the date.
            with open(path, "rb") as f:
                return re.sub(rb"(?m)^Date: .*\n", b"", f.read(), count=1)
        new = {f: content(os.path.join(tmp, f)) for f in os.listdir(tmp)}
        old = {f: content(os.path.join(out, f)) for f in os.listdir(out)
               if f.endswith(".patch") and not f.startswith("0000-")}
        # The results of series-check stand for as long as the patches are
        # the same; a new series drops them.
        if new != old:
            info("a new series: the results of the last series-check are dropped")
            for f in os.listdir(out):
                path = os.path.join(out, f)
                if os.path.isdir(path) and f in ("checkpatch", "build"):
                    shutil.rmtree(path)
                elif f.endswith((".patch", ".log")) or f in ("series", "tree", "series-check.txt",
                                                             "check-in-tree.txt"):
                    os.unlink(path)
        for f in new:
            os.rename(os.path.join(tmp, f), os.path.join(out, f))
        shutil.rmtree(tmp)
        names = sorted(f for f in os.listdir(out) if f.endswith(".patch") and not f.startswith("0000-"))
        self.subjects = [self.git.out("log", "-1", "--format=%s", c).strip() for c, _ in self.commits]
        with open(os.path.join(out, "0000-cover-letter.patch"), "w", encoding="utf-8") as f:
            f.write(self.cover_letter(len(names)))
        with open(os.path.join(out, "series"), "w", encoding="utf-8") as f:
            f.write("\n".join(names) + "\n")
        # The tree the build uses, which git am of the series must reach.
        with open(os.path.join(out, "tree"), "w", encoding="utf-8") as f:
            f.write(self.wanted + "\n")
        kinds = {}
        for _, u in self.commits:
            kinds[u.kind] = kinds.get(u.kind, 0) + 1
        info("wrote %d patches and a cover letter to %s (%s)" % (
            len(names), out, ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items()))))

    def cover_letter(self, n):
        try:
            import series_cover
        except ImportError:
            return "Subject: [PATCH 0/%d]\n" % n
        return series_cover.cover_letter(self, n)


def module_doc(text):
    """The first section of a file's //! docs, as plain text."""
    lines = []
    for l in text.split("\n"):
        if l.startswith("//!"):
            c = l[3:].strip()
            if c.startswith(("C header", "C headers", "#", "```")):
                break
            lines.append(c)
        elif lines:
            break
    doc = " ".join(x if x else "\n\n" for x in lines)
    doc = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", doc)
    doc = re.sub(r"\[(`[^`]+`)\]", r"\1", doc)
    doc = re.sub(r"[ \t]+", " ", doc)
    paras = [p.strip() for p in doc.split("\n\n") if p.strip()]
    return "\n\n".join(paras[:2]).replace("\n\n", "\n\n")


def qualify(ch, item, name):
    """Type::name for a method added in an impl block of an existing file."""
    lines = []
    for sg in ch.segs:
        if sg[0] == "eq":
            lines += sg[1]
        else:
            for it in sg[1]:
                if it is item:
                    for l in reversed(lines):
                        m = re.match(r"^impl(?:<[^>]*>)?\s+(?:[\w:]+\s+for\s+)?(" + IDENT + r")", l)
                        if m:
                            return "%s::%s" % (m.group(1), name)
                        if re.match(r"^(pub|fn|struct|enum|mod)\b", l):
                            return name
                    return name
                lines += it.new
    return name


def method_docs(ch, names):
    """The doc comments of methods added to an existing file."""
    out = []
    for it in ch.items():
        doc = []
        for l in it.new:
            s = l.strip()
            if s.startswith("///"):
                c = s[3:].strip()
                if c.startswith("#") or c.startswith("```"):
                    break
                doc.append(c)
            elif doc and re.search(r"\bfn\s+(" + "|".join(re.escape(n.split("::")[-1]) for n in names)
                                   + r")\b", s):
                out.append(" ".join(x for x in doc if x))
                doc = []
            elif not s.startswith("#["):
                doc = []
    txt = " ".join(out)
    return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", txt)


def join_list(xs):
    xs = list(xs)
    if len(xs) <= 1:
        return "".join(xs)
    return ", ".join(xs[:-1]) + " and " + xs[-1]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    Series(sys.argv[1], sys.argv[2]).run()


if __name__ == "__main__":
    main()
