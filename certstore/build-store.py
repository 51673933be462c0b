#!/usr/bin/env python3
"""Build the default certificate store and its C header from the manifest (DESIGN.md section 8).

    build-store.py --tool nssl-certstore --manifest certstore/manifest.tsv [--manifest ...]
                   --bundle /etc/ssl/certs/ca-certificates.crt --source-root REPO
                   --out certstore.db --header nssl_certs.h [--guard NSSL_NSSL_CERTS_H]
                   [--allow-unpinned]

Runs the nssl-certstore tool on a fresh store in a temporary file next to --out: `init` (with
--private, mode 0600, when an entry has a private key), `reserve --file` with the manifests'
console lines (the console's certificate IDs, absent until a certificate is imported under
them), one `import` (or `import-client`) per manifest entry with the manifest's ID, name, groups
and properties (a bundle root under a console ID must have the console's SHA-1; an
integrator's own file there need not), then `check` and `gen-header`; the store and the header
replace the outputs only
when everything succeeded (atomic rename). A bundle entry missing from the bundle is skipped
with a warning and never renumbered; an ID the tool reports differently from the manifest, a
repository file whose SHA-256 differs from its pin, or any tool failure stops the build.

Several --manifest files make one store (their entry IDs must not overlap; a later manifest's
entry takes an ID an earlier one reserves, retired or console, and that reservation is dropped):
the test store (certstore/test/meson.build) is the default manifest plus
certstore/test/manifest.tsv, whose test CA and client take console IDs 100 and 1. Only
with --allow-unpinned may a repository entry have "-" for its SHA-256 (the test fixtures, which
tests/certs/gen.sh regenerates at will); a shipped store pins every certificate.

Standard library only. Run by certstore/default/meson.build at build time.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HEX64 = re.compile(r"^[0-9a-f]{64}$")
PEM_RE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.S)
GROUP_NAMES = ("vendor", "commercial", "commercial-4096")
PROPS = {"exportable": "--exportable", "key-exportable": "--key-exportable"}


class BuildError(Exception):
    pass


def warn(msg):
    print("build-store: warning: " + msg, file=sys.stderr)


def parse_manifest(paths, allow_unpinned):
    """The manifests' entries, in ID order, and their console lines (ID -> the tool's
    `reserve --file` line). Retired lines only reserve IDs: nothing to build."""
    entries = {}
    shas = {}
    retired = set()
    console = {}
    for path in paths:
        # A later manifest may fill an ID an earlier one reserves (the test store's CA takes
        # console ID 100 and its client ID 1, as an integrator's test setup would): the entry
        # wins and the reservation is dropped. Within one manifest an ID is an entry or retired;
        # a console line and an entry of one manifest are the reservation and its certificate.
        earlier_retired, earlier_console = set(retired), dict(console)
        before = set(entries)
        retired.clear()
        console.clear()
        parse_one(path, allow_unpinned, entries, shas, retired, console)
        for rid in retired:
            if rid in entries or rid in console:
                raise BuildError("%s: ID %d is both retired and an entry or console ID" % (
                    path, rid))
        new = set(entries) - before
        retired |= earlier_retired - new
        for cid, line in earlier_console.items():
            if cid not in new:
                console.setdefault(cid, line)
    return [entries[i] for i in sorted(entries)], console


def parse_console(cols, where):
    """A console line as the tool's `reserve --file` line (the same columns without the
    first)."""
    if len(cols) not in (6, 7) or not cols[1].isdigit():
        raise BuildError(where + ": bad console line")
    kind, fp, groups, name = cols[2:6]
    if kind not in ("server-ca", "client") or not re.match(r"^(-|sha1:[0-9a-f]{1,40})$", fp):
        raise BuildError(where + ": bad console kind or fingerprint")
    for g in ([] if groups == "-" else groups.split(",")):
        if g not in GROUP_NAMES:
            raise BuildError(where + ": unknown group " + g)
    if not re.match(r"^[A-Z0-9_]+$", name):
        raise BuildError(where + ": bad name " + name)
    if len(cols) == 7 and not re.match(r"^alias=[1-9][0-9]*$", cols[6]):
        raise BuildError(where + ": bad column " + cols[6])
    return "\t".join(cols[1:])


def parse_one(path, allow_unpinned, entries, shas, retired, console):
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            where = "%s:%d" % (path, lineno)
            cols = line.split("\t")
            if cols[0] == "console":
                line = parse_console(cols, where)
                if int(cols[1]) in console:
                    raise BuildError(where + ": console ID %s listed twice" % cols[1])
                console[int(cols[1])] = line
                continue
            if cols[0] == "retired":
                if len(cols) < 5 or not cols[1].isdigit():
                    raise BuildError(where + ": bad retired line")
                retired.add(int(cols[1]))
                continue
            if len(cols) < 6 or not cols[0].isdigit():
                raise BuildError(where + ": bad entry line")
            eid = int(cols[0])
            kind, sha, groups, name, source = cols[1:6]
            if kind not in ("server-ca", "client"):
                raise BuildError(where + ": unknown kind " + kind)
            if sha == "-" and allow_unpinned and source != "bundle":
                sha = None
            elif not HEX64.match(sha):
                raise BuildError(where + ": bad sha256" + (
                    "" if sha != "-" else " (only a test store may leave a file unpinned)"))
            glist = [] if groups == "-" else groups.split(",")
            for g in glist:
                if g not in GROUP_NAMES:
                    raise BuildError(where + ": unknown group " + g)
            if not re.match(r"^[A-Z0-9_]+$", name):
                raise BuildError(where + ": bad name " + name)
            extra = {}
            for col in cols[6:]:
                k, sep, v = col.partition("=")
                if not sep or k not in ("key", "chain", "props"):
                    raise BuildError(where + ": bad extra column " + col)
                extra[k] = v
            props = [p for p in extra.get("props", "").split(",") if p]
            for p in props:
                if p not in PROPS:
                    raise BuildError(where + ": unknown property " + p)
            if kind == "client" and "key" not in extra:
                raise BuildError(where + ": a client entry needs key=PATH")
            if eid in entries:
                raise BuildError(where + ": ID %d listed twice" % eid)
            if sha is not None and sha in shas:
                raise BuildError(where + ": certificate already pinned to ID %d" % shas[sha])
            shas[sha] = eid
            entries[eid] = dict(id=eid, kind=kind, sha256=sha, groups=glist, name=name,
                                source=source, key=extra.get("key"), chain=extra.get("chain"),
                                props=props)


def pem_blocks(data):
    return [base64.b64decode(b"".join(m.group(1).split())) for m in PEM_RE.finditer(data)]


def first_cert_der(path):
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN" in data:
        blocks = pem_blocks(data)
        if not blocks:
            raise BuildError(path + ": no PEM certificate")
        return blocks[0]
    return data


class Tool:
    def __init__(self, exe, store, verbose):
        self.exe = exe
        self.store = store
        self.verbose = verbose
        self.calls = 0

    def run(self, *args, ok=(0,)):
        cmd = [self.exe, "--store", self.store] + list(args)
        self.calls += 1
        if self.verbose:
            print("+ " + " ".join(cmd))
        env = dict(os.environ)
        env.pop("NSSL_CERTSTORE", None)
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        out = res.stdout.decode("utf-8", "replace")
        err = res.stderr.decode("utf-8", "replace")
        if res.returncode not in ok:
            raise BuildError("`%s` exited with %d:\n%s%s" % (
                " ".join(cmd[3:]), res.returncode, out, err))
        return res.returncode, out, err


def alias_of(line):
    """The ID a `reserve --file` line names with alias=ID, or 0."""
    last = line.split("\t")[-1]
    return int(last[6:]) if last.startswith("alias=") else 0


def imported_id(out, what):
    """The ID of an "imported ID NAME" line; "present" means the manifest pins one certificate
    twice, which parse_manifest already refuses, so it is an error here too."""
    lines = [l for l in out.splitlines() if l.strip()]
    m = re.match(r"^(imported|present)\s+(\d+)(\s+(\S+))?", lines[0]) if len(lines) == 1 else None
    if not m:
        raise BuildError("%s: unexpected tool output %r" % (what, out))
    if m.group(1) != "imported":
        raise BuildError("%s: the certificate was already in the new store (%s)" % (what, out))
    return int(m.group(2)), m.group(4)


def main():
    ap = argparse.ArgumentParser(description="Build the default NSSL certificate store")
    ap.add_argument("--tool", required=True, help="the nssl-certstore executable")
    ap.add_argument("--manifest", required=True, action="append",
                    help="a manifest; give several to build one store of all their entries")
    ap.add_argument("--bundle", required=True, help="PEM bundle of the system's CA roots")
    ap.add_argument("--source-root", required=True, help="repository root (manifest paths)")
    ap.add_argument("--out", required=True, help="the store file to write")
    ap.add_argument("--header", required=True, help="the C header to write")
    ap.add_argument("--guard", default="NSSL_NSSL_CERTS_H")
    ap.add_argument("--allow-unpinned", action="store_true",
                    help='repository entries may have "-" for SHA-256 (test stores only)')
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    started = time.monotonic()
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    tmpdir = tempfile.mkdtemp(prefix=".certstore-build.", dir=out_dir)
    try:
        n = build(args, tmpdir, started)
    except BuildError as e:
        print("build-store: error: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return 0 if n else 1


def build(args, tmpdir, started):
    entries, console = parse_manifest(args.manifest, args.allow_unpinned)
    try:
        with open(args.bundle, "rb") as f:
            bundle = {hashlib.sha256(d).hexdigest(): d for d in pem_blocks(f.read())}
    except OSError as e:
        raise BuildError("cannot read the bundle: %s" % e)

    store = os.path.join(tmpdir, "certstore.db")
    tool = Tool(os.path.abspath(args.tool), store, args.verbose)
    # A store that will hold private keys is the owner's alone (the tool refuses keys otherwise).
    if any(e["kind"] == "client" for e in entries):
        tool.run("init", "--private")
    else:
        tool.run("init")
    # Reserve first, so that every import under a console ID is checked against it.
    if console:
        reservations = os.path.join(tmpdir, "console-ids.tsv")
        with open(reservations, "w", encoding="utf-8") as f:
            f.write("".join(console[i] + "\n" for i in sorted(console)))
        tool.run("reserve", "--file", reservations)

    missing = []
    built = []
    for e in entries:
        what = "ID %d %s" % (e["id"], e["name"])
        flags = ["--id", str(e["id"]), "--name", e["name"]]
        flags += [PROPS[p] for p in e["props"]]
        flags.append("--builtin")
        if e["id"] in console and e["source"] != "bundle":
            # An integrator's own CA or identity under a console ID: not the console's.
            flags.append("--ignore-fingerprint")
        if e["source"] == "bundle":
            der = bundle.get(e["sha256"])
            if der is None:
                missing.append(e)
                warn("%s: not in %s, skipped (the ID stays reserved; run "
                     "certstore/update-manifest.py to retire it)" % (what, args.bundle))
                continue
        else:
            path = os.path.join(args.source_root, e["source"])
            try:
                der = first_cert_der(path)
            except OSError as ex:
                raise BuildError("%s: %s" % (what, ex))
            if e["sha256"] is None:
                e["sha256"] = hashlib.sha256(der).hexdigest()
            elif hashlib.sha256(der).hexdigest() != e["sha256"]:
                raise BuildError(
                    "%s: %s does not match its pin in the manifest (regenerated fixtures?); "
                    "run certstore/update-manifest.py and commit the manifest" % (what, path))
        if e["kind"] == "server-ca":
            cert = os.path.join(tmpdir, "%d.der" % e["id"])
            with open(cert, "wb") as f:
                f.write(der)
            group_flags = []
            for g in e["groups"]:
                group_flags += ["--group", g]
            _, out, _ = tool.run("import", cert, "--kind", "server-ca", *flags, *group_flags)
        else:
            cflags = ["--cert", os.path.join(args.source_root, e["source"]),
                      "--key", os.path.join(args.source_root, e["key"])]
            if e["chain"]:
                cflags += ["--chain", os.path.join(args.source_root, e["chain"])]
            _, out, _ = tool.run("import-client", *cflags, *flags)
        got, name = imported_id(out, what)
        if got != e["id"]:
            raise BuildError("%s: the tool stored it as ID %d" % (what, got))
        if name is not None and name != e["name"]:
            raise BuildError("%s: the tool named it %s" % (what, name))
        if e["kind"] == "client":
            for g in e["groups"]:
                tool.run("group", "assign", str(e["id"]), g)
        built.append(e)

    rc, out, err = tool.run("check", ok=(0, 1))
    if rc != 0:
        raise BuildError("`check` found problems in the new store:\n%s%s" % (out, err))

    # The store must hold exactly the entries just imported.
    _, out, _ = tool.run("list", "--json")
    try:
        listed = json.loads(out)
    except ValueError as ex:
        raise BuildError("`list --json` printed invalid JSON: %s" % ex)
    if isinstance(listed, dict):
        listed = listed.get("entries", listed.get("certificates", []))
    ids = sorted(x.get("id") for x in listed if isinstance(x, dict))
    if ids != sorted(e["id"] for e in built):
        raise BuildError("the new store lists IDs %s, expected %s" % (
            ids, sorted(e["id"] for e in built)))
    # Every console line is reserved; those without a built entry (or naming another ID's
    # entry, as an alias does) are absent unless that entry was built.
    _, out, _ = tool.run("list", "--absent", "--json")
    try:
        absent = sorted(x.get("id") for x in json.loads(out) if isinstance(x, dict))
    except (ValueError, AttributeError) as ex:
        raise BuildError("`list --absent --json` printed invalid JSON: %s" % ex)
    built_ids = {e["id"] for e in built}
    expect = sorted(i for i in console if (alias_of(console[i]) or i) not in built_ids)
    if absent != expect:
        raise BuildError("the new store lists absent IDs %s, expected %s" % (absent, expect))

    header_tmp = os.path.join(tmpdir, "header.h")
    tool.run("gen-header", "--out", header_tmp, "--guard", args.guard)

    # A cleanly closed SQLite file has no write-ahead log left; one with frames in it would
    # not travel with a rename.
    for suffix in ("-wal", "-journal"):
        side = store + suffix
        if os.path.exists(side) and os.path.getsize(side) > 0:
            raise BuildError("the tool left %s behind with data in it" % os.path.basename(side))
    for suffix in ("-wal", "-shm", "-journal"):
        for path in (store + suffix, os.path.abspath(args.out) + suffix):
            if os.path.exists(path):
                os.unlink(path)
    os.replace(store, args.out)
    os.replace(header_tmp, args.header)

    secs = time.monotonic() - started
    per_group = {}
    for e in built:
        for g in e["groups"]:
            per_group[g] = per_group.get(g, 0) + 1
    print("build-store: %s: %d entries (%s), %d skipped (not in the bundle), %d bundle "
          "certificates not in the manifest, %d console IDs reserved (%d absent); %d tool runs "
          "in %.1f s" % (
              args.out, len(built), ", ".join("%s %d" % kv for kv in sorted(per_group.items())),
              len(missing), len(set(bundle) - {e["sha256"] for e in entries}), len(console),
              len(absent), tool.calls, secs))
    if secs > 10:
        warn("building the store took %.1f s" % secs)
    return len(built)


if __name__ == "__main__":
    sys.exit(main())
