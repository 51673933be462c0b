#!/usr/bin/env python3
"""Create or update certstore/manifest.tsv, the list that pins every built-in certificate of the
default store to its ID, name and groups (DESIGN.md section 8, docs/certstore.md).

    certstore/update-manifest.py [--bundle /etc/ssl/certs/ca-certificates.crt]
                                 [--manifest certstore/manifest.tsv] [--source-root .]
                                 [--dry-run] [--check]

Rules it enforces, so that an ID compiled into an application never changes meaning:
  * an existing entry keeps its ID, certificate (SHA-256), name and groups;
  * a bundle root that is in the console's table (nssl-api.md section 4, matched by SHA-1
    fingerprint prefix) gets the console's ID and name;
  * every console certificate ID (nssl-api.md section 4) has a "console" line: it is reserved in
    the built store under its console name, present when a bundle root (or an integrator's
    entry) holds it, absent otherwise;
  * a certificate that left the bundle becomes a "retired" line: its ID is reserved for ever;
    if the very same certificate comes back later it gets its old ID again (a console ID whose
    root left the bundle only becomes absent: its console line stays);
  * a new root gets the next ID above every ID ever used in its range (retired ones included):
    RSA keys of 4096 bits or more go to the commercial-4096 range (1900-2999), everything else
    to the commercial range (1001-1899);
  * repository-path entries (an integrator's own CAs and client identities) follow their
    file: if the file changed, the pin is updated and reported;
  * the vendor IDs 100-105 are console lines without an entry until the integrator adds one;
    nothing from tests/ belongs here (the test store has its own manifest,
    certstore/test/manifest.tsv).

Standard library only; fingerprints, subjects and key sizes come from the `openssl` CLI.
--check exits 1 if the manifest would change (for CI), --dry-run prints the summary only.
"""

import argparse
import base64
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

# ---------------------------------------------------------------------------------------------
# ID ranges. A range is [first, last]; new IDs are allocated above the highest ID ever used in
# the range (retired IDs count), never in a gap.
RANGES = {
    "client": (1, 99),
    "vendor": (100, 999),
    "commercial": (1001, 1899),
    "commercial-4096": (1900, 2999),
}
GROUP_NAMES = ("vendor", "commercial", "commercial-4096")

# The console's built-in server CAs (nssl-api.md section 4): ID, name, SHA-1 fingerprint prefix.
CONSOLE_VENDOR = [
    (100, "NINTENDO_CA", "b5229455dd26c1f5"),
    (101, "NINTENDO_CA_G2", "c60b2a5cc90f0630"),
    (102, "NINTENDO_CA_G3", "68a07705ccc7a408"),
    (103, "NINTENDO_CLASS2_CA", "aa8ef66ae0f807ed"),
    (104, "NINTENDO_CLASS2_CA_G2", "039de5373ac65e1a"),
    (105, "NINTENDO_CLASS2_CA_G3", "fab56c4cc7cff507"),
]
CONSOLE_COMMERCIAL = [
    (1001, "BALTIMORE_CYBERTRUST_ROOT_CA", "d4de20d05e66fc53"),
    (1002, "CYBERTRUST_GLOBAL_ROOT_CA", "5f43e5b1bff8788c"),
    (1003, "VERIZON_GLOBAL_ROOT_CA", "912198eef23dcac4"),
    (1004, "GLOBALSIGN_ROOT_CA", "b1bc968bd4f49d62"),
    (1005, "GLOBALSIGN_ROOT_CA_R2", "75e0abb613851227"),
    (1006, "GLOBALSIGN_ROOT_CA_R3", "d69b561148f01c77"),
    (1007, "VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G3", "132d0d45534b6997"),
    (1008, "VERISIGN_UNIVERSAL_ROOT_CA", "3679ca3566877230"),
    (1009, "VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G5", "4eb6d578499b1ccf"),
    (1010, "THAWTE_PRIMARY_ROOT_CA_G3", "f18b538d1be903b6"),
    (1011, "THAWTE_PRIMARY_ROOT_CA", "91c6d6ee3e8ac863"),
    (1012, "GEOTRUST_GLOBAL_CA", "de28f4a4ffe5b92f"),
    (1013, "GEOTRUST_GLOBAL_CA2", "a9e9780814375888"),
    (1014, "GEOTRUST_PRIMARY_CA", "323c118e1bf7b8b6"),
    (1015, "GEOTRUST_PRIMARY_CA_G3", "039eedb80be7a03c"),
    (1016, "ADDTRUST_EXT_CA_ROOT", "02faf3e291435468"),
    (1017, "COMODO_CA", "ee869387fffd8349"),
    (1018, "UTN_DATACORP_SGC_CA", "58119f0e128287ea"),
    (1019, "UTN_USERFIRST_HARDWARE_CA", "0483ed3399ac3608"),
    (1020, "DIGICERT_HIGH_ASSURANCE_EV_ROOT_CA", "5fb7ee0633e259db"),
    (1021, "DIGICERT_ASSURED_ID_ROOT_CA", "0563b8630d62d75a"),
    (1022, "DIGICERT_GLOBAL_ROOT_CA", "a8985d3a65e5e5c4"),
    (1023, "GTE_CYBERTRUST_GLOBAL_ROOT", "97817950d81c9670"),
    (1024, "VERISIGN_CLASS3_PUBLIC_PRIMARY_CA", "a1db6393916f17e4"),
    (1025, "THAWTE_PREMIUM_SERVER_CA", "627f8d7827656399"),
    (1026, "EQUIFAX_SECURE_CA", "d23209ad23d31423"),
    (1027, "ENTRUST_SECURE_SERVER_CA", "99a69be61afe886b"),
    (1028, "VERISIGN_CLASS3_PUBLIC_PRIMARY_CA_G2", "85371ca6e550143d"),
    (1029, "ENTRUST_CA_2048", "503006091d97d4f5"),
    (1030, "ENTRUST_ROOT_CA", "b31eb1b740e36c84"),
    (1031, "ENTRUST_ROOT_CA_G2", "8cf427fd790c3ad1"),
    (1032, "DIGICERT_ASSURED_ID_ROOT_CA_G2", "a14b48d943ee0a0e"),
    (1033, "DIGICERT_GLOBAL_ROOT_CA_G2", "df3c24f9bfd66676"),
]
CONSOLE_4096 = [
    (1900, "COMODO_RSA_CA", "afe5d244a8d11942"),
    (1901, "USERTRUST_RSA_CA", "2b8f1b57330dbba2"),
]
# The console's client certificate IDs (2 is unknown and stays free): ID, name, and the ID whose
# files the console uses for it too (7 and 8 are 4 and 6 again), or 0.
CONSOLE_CLIENTS = [
    (1, "WIIU_COMMON_1", 0), (3, "WIIU_ACCOUNT_1", 0), (4, "WIIU_OLIVE_1", 0),
    (5, "WIIU_VINO_1", 0), (6, "WIIU_WOOD_1", 0), (7, "WIIU_OLIVE_1_ALIAS", 4),
    (8, "WIIU_WOOD_1_ALIAS", 6),
]

# Every console ID's reservation, as its console line says it. The vendor IDs (100-105) are the
# integrator's to fill: an integrator adds the entry of its own CA next to the console line
# (docs/certstore.md, "Adding your own CA"). Nothing from tests/ is ever an entry of this
# manifest: the test CA and client live in the test store (certstore/test/manifest.tsv).
CONSOLE_LINES = (
    [dict(id=i, kind="client", fp="-", groups=[], name=n, alias=a)
     for i, n, a in CONSOLE_CLIENTS]
    + [dict(id=i, kind="server-ca", fp="sha1:" + fp, groups=[g], name=n, alias=0)
       for table, g in ((CONSOLE_VENDOR, "vendor"), (CONSOLE_COMMERCIAL, "commercial"),
                        (CONSOLE_4096, "commercial-4096"))
       for i, n, fp in table]
)

HEADER = """\
# NSSL built-in certificate manifest: pins every certificate of the default store to its ID.
# Maintained by certstore/update-manifest.py (entries are kept, comments are rewritten);
# read by certstore/build-store.py, which builds the default store at build time. See
# docs/certstore.md for the rules. An ID never changes meaning and is never reused.
#
# Entry lines, tab-separated:
#   id  kind  sha256  groups  name  source  [key=PATH]  [chain=PATH]  [props=LIST]
#     id      decimal; ranges: client 1-99, vendor 100-999, commercial 1001-1899,
#             commercial-4096 1900-2999 (console IDs kept where the console's root is still in
#             the bundle)
#     kind    server-ca | client
#     sha256  SHA-256 of the certificate's DER, 64 lowercase hex digits: the pin
#     groups  comma list of group names (vendor = bit 0, commercial = bit 1,
#             commercial-4096 = bit 2), or - for none
#     name    the C name, [A-Z0-9_]; the header gets NSSL_SERVER_CERT_<name> (server-ca) or
#             NSSL_CLIENT_CERT_<name> (client)
#     source  "bundle" (found by SHA-256 in the system CA bundle) or a path relative to the
#             repository root (PEM or DER)
#     key=PATH    client only: the private key (PEM or DER), relative to the repository root
#     chain=PATH  client only: the chain certificates (PEM bundle, issuer order)
#     props=LIST  comma list of exportable, key-exportable (default: none); every entry is
#                 imported as builtin
#
# Console lines, tab-separated: the console's certificate IDs (nssl-api.md section 4), each
# reserved in the built store under its console name; an entry line with the same ID holds its
# certificate (present), else the ID is absent until a user imports one (docs/certstore.md). The
# vendor IDs 100-105 are the integrator's: add the entry of your CA beside its console line.
#   console  id  kind  fingerprint  groups  name  [alias=ID]
#     fingerprint  sha1:HEXPREFIX of the console's certificate, or - (client IDs)
#     alias=ID     the console uses the files of that ID for this one too (client IDs 7, 8)
#
# Retired lines, tab-separated: the ID is reserved for ever and never assigned again by
# update-manifest.py:
#   retired  id  fingerprint  name  reason
#     fingerprint  64-hex SHA-256, or - if unknown
"""

HEX64 = re.compile(r"^[0-9a-f]{64}$")
NAME_RE = re.compile(r"^[A-Z0-9_]+$")
PEM_RE = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.S)


def die(msg):
    print("update-manifest: " + msg, file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# Manifest model


class Manifest:
    def __init__(self):
        self.entries = {}   # id -> dict(id, kind, sha256, groups, name, source, extra)
        self.retired = {}   # id -> dict(id, fp, name, reason)
        self.console = {}   # id -> dict(id, kind, fp, groups, name, alias)

    def used_ids(self):
        return set(self.entries) | set(self.retired) | set(self.console)

    def used_names(self):
        return {e["name"] for e in self.entries.values()} | {
            r["name"] for r in self.retired.values()} | {
            c["name"] for c in self.console.values()}


def parse_manifest(path):
    m = Manifest()
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.split("\t")
            where = "%s:%d" % (path, lineno)
            if cols[0] == "console":
                c = parse_console(cols, where)
                if c["id"] in m.console or c["id"] in m.retired:
                    die(where + ": ID %d listed twice" % c["id"])
                m.console[c["id"]] = c
                continue
            if cols[0] == "retired":
                if len(cols) < 5:
                    die(where + ": a retired line needs: retired id fingerprint name reason")
                rid = parse_id(cols[1], where)
                if rid in m.retired or rid in m.entries or rid in m.console:
                    die(where + ": ID %d listed twice" % rid)
                m.retired[rid] = dict(id=rid, fp=cols[2], name=cols[3],
                                      reason="\t".join(cols[4:]))
                continue
            if len(cols) < 6:
                die(where + ": an entry needs: id kind sha256 groups name source")
            eid = parse_id(cols[0], where)
            if eid in m.entries or eid in m.retired:
                die(where + ": ID %d listed twice" % eid)
            kind, sha, groups, name, source = cols[1:6]
            if kind not in ("server-ca", "client"):
                die(where + ": unknown kind " + kind)
            if not HEX64.match(sha):
                die(where + ": bad sha256 " + sha)
            glist = [] if groups == "-" else groups.split(",")
            for g in glist:
                if g not in GROUP_NAMES:
                    die(where + ": unknown group " + g)
            if not NAME_RE.match(name):
                die(where + ": bad name " + name)
            extra = {}
            for col in cols[6:]:
                if "=" not in col:
                    die(where + ": bad extra column " + col)
                k, v = col.split("=", 1)
                if k not in ("key", "chain", "props"):
                    die(where + ": unknown extra column " + k)
                extra[k] = v
            m.entries[eid] = dict(id=eid, kind=kind, sha256=sha, groups=glist, name=name,
                                  source=source, extra=extra)
    return m


def parse_console(cols, where):
    if len(cols) not in (6, 7):
        die(where + ": a console line needs: console id kind fingerprint groups name [alias=ID]")
    cid = parse_id(cols[1], where)
    kind, fp, groups, name = cols[2:6]
    if kind not in ("server-ca", "client"):
        die(where + ": unknown kind " + kind)
    if fp != "-" and not re.match(r"^sha1:[0-9a-f]{1,40}$", fp):
        die(where + ": bad fingerprint " + fp)
    glist = [] if groups == "-" else groups.split(",")
    if any(g not in GROUP_NAMES for g in glist) or not NAME_RE.match(name):
        die(where + ": bad groups or name")
    alias = 0
    if len(cols) == 7:
        if not cols[6].startswith("alias="):
            die(where + ": bad column " + cols[6])
        alias = parse_id(cols[6][6:], where)
    return dict(id=cid, kind=kind, fp=fp, groups=glist, name=name, alias=alias)


def format_console(c):
    cols = ["console", str(c["id"]), c["kind"], c["fp"], ",".join(c["groups"]) or "-", c["name"]]
    if c["alias"]:
        cols.append("alias=%d" % c["alias"])
    return "\t".join(cols) + "\n"


def parse_id(text, where):
    if not re.match(r"^[1-9][0-9]*$", text):
        die(where + ": bad ID " + text)
    return int(text)


def write_manifest(m, path, stamp):
    out = [HEADER, "# Generated from: %s\n" % stamp]
    sections = [
        ("Client certificates (1-99)", RANGES["client"]),
        ("Vendor group, bit 0 (100-999)", RANGES["vendor"]),
        ("Commercial group, bit 1 (1001-1899)", RANGES["commercial"]),
        ("Commercial 4096-bit group, bit 2 (1900-2999)", RANGES["commercial-4096"]),
    ]
    placed = set()
    for title, (lo, hi) in sections:
        out.append("\n# %s\n" % title)
        for eid in sorted(i for i in m.entries if lo <= i <= hi):
            out.append(format_entry(m.entries[eid]))
            placed.add(eid)
    rest = sorted(set(m.entries) - placed)
    if rest:
        out.append("\n# Outside the standard ranges\n")
        for eid in rest:
            out.append(format_entry(m.entries[eid]))
    out.append("\n# Console IDs (nssl-api.md section 4): reserved, present where an entry above"
               " holds the ID\n")
    for cid in sorted(m.console):
        out.append(format_console(m.console[cid]))
    out.append("\n# Retired IDs (never assigned again)\n")
    for rid in sorted(m.retired):
        r = m.retired[rid]
        out.append("\t".join(["retired", str(rid), r["fp"], r["name"], r["reason"]]) + "\n")
    text = "".join(out)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return text


def format_entry(e):
    cols = [str(e["id"]), e["kind"], e["sha256"], ",".join(e["groups"]) or "-", e["name"],
            e["source"]]
    for k in ("key", "chain", "props"):
        if k in e["extra"]:
            cols.append("%s=%s" % (k, e["extra"][k]))
    return "\t".join(cols) + "\n"


# ---------------------------------------------------------------------------------------------
# Certificates


class Cert:
    pass


def read_pem_blocks(data):
    return [base64.b64decode(b"".join(m.group(1).split())) for m in PEM_RE.finditer(data)]


def load_cert_file(path):
    """The first certificate of a PEM or DER file, as DER."""
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN" in data:
        blocks = read_pem_blocks(data)
        if not blocks:
            die(path + ": no certificate")
        return blocks[0]
    return data


def describe(der, tmpdir):
    """Fingerprints, subject fields and key of a DER certificate, from the openssl CLI."""
    path = os.path.join(tmpdir, "c.der")
    with open(path, "wb") as f:
        f.write(der)
    res = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-in", path, "-noout", "-fingerprint", "-sha1",
         "-subject", "-nameopt", "multiline,utf8,-esc_msb", "-text",
         "-certopt", "no_header,no_version,no_serial,no_signame,no_issuer,no_validity,"
         "no_subject,no_extensions,no_sigdump,no_aux"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        raise ValueError(res.stderr.decode("utf-8", "replace").strip())
    text = res.stdout.decode("utf-8", "replace")
    c = Cert()
    c.der = der
    c.sha256 = hashlib.sha256(der).hexdigest()
    m = re.search(r"Fingerprint=([0-9A-F:]+)", text)
    c.sha1 = m.group(1).replace(":", "").lower()
    if c.sha1 != hashlib.sha1(der).hexdigest():
        raise ValueError("openssl and hashlib disagree on the SHA-1 fingerprint")
    fields = []
    in_subject = False
    for line in text.splitlines():
        if line.startswith("subject="):
            in_subject = True
            continue
        if in_subject:
            mm = re.match(r"^\s{4}(\w+)\s*=\s(.*)$", line)
            if not mm:
                in_subject = False
                continue
            fields.append((mm.group(1), mm.group(2)))
    c.subject = fields
    c.subject_text = ", ".join("%s=%s" % kv for kv in fields)
    m = re.search(r"Public Key Algorithm: (\S+)", text)
    c.key_alg = m.group(1) if m else "?"
    m = re.search(r"Public-Key: \((\d+) bit\)", text)
    c.key_bits = int(m.group(1)) if m else 0
    return c


def base_name(c):
    """Name from the subject: CN, else OU, else O; ASCII, uppercase, [A-Z0-9_]."""
    pick = None
    for want in ("commonName", "organizationalUnitName", "organizationName"):
        vals = [v for k, v in c.subject if k == want]
        if vals:
            pick = vals[-1]
            break
    if pick is None:
        pick = "ROOT_" + c.sha256[:8]
    ascii_text = unicodedata.normalize("NFKD", pick).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Z0-9]+", "_", ascii_text.upper()).strip("_")
    return name or "ROOT_" + c.sha256[:8].upper()


def unique_name(base, used):
    if base not in used:
        return base
    n = 2
    while "%s_%d" % (base, n) in used:
        n += 1
    return "%s_%d" % (base, n)


def is_4096(c):
    return c.key_alg == "rsaEncryption" and c.key_bits >= 4096


def next_id(m, rng):
    lo, hi = RANGES[rng]
    used = [i for i in m.used_ids() if lo <= i <= hi]
    nid = max(used) + 1 if used else lo
    if rng == "commercial-4096":
        nid = max(nid, 1902)   # 1900/1901 are the console's, present or not
    if rng == "commercial":
        nid = max(nid, 1034)   # 1001-1033 are the console's, present or not
    if nid > hi:
        die("the %s range %d-%d is full" % (rng, lo, hi))
    return nid


def bundle_version():
    try:
        res = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "ca-certificates"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if res.returncode == 0 and res.stdout:
            return "ca-certificates " + res.stdout.decode().strip()
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------------------------


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Create or update the built-in certificate manifest")
    ap.add_argument("--bundle", default="/etc/ssl/certs/ca-certificates.crt")
    ap.add_argument("--manifest", default=os.path.join(here, "manifest.tsv"))
    ap.add_argument("--source-root", default=os.path.dirname(here))
    ap.add_argument("--package-certs", default="/usr/share/ca-certificates/mozilla",
                    help="only bundle certificates also found here (the ca-certificates "
                    "package's own files) are pinned: local additions such as "
                    "/usr/local/share/ca-certificates are left out; '' turns the filter off")
    ap.add_argument("--dry-run", action="store_true", help="print the summary, write nothing")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if the manifest is not up to date")
    args = ap.parse_args()

    try:
        with open(args.bundle, "rb") as f:
            bundle_data = f.read()
    except OSError as e:
        die("cannot read the bundle: %s" % e)
    bundle_sha = hashlib.sha256(bundle_data).hexdigest()
    reason_left = "left the bundle (%s)" % (bundle_version() or "bundle " + bundle_sha[:16])

    creating = not os.path.exists(args.manifest)
    m = Manifest() if creating else parse_manifest(args.manifest)
    before = None if creating else open(args.manifest, encoding="utf-8").read()

    package = None
    if args.package_certs:
        if not os.path.isdir(args.package_certs):
            die("%s does not exist (use --package-certs '' to pin every bundle certificate)"
                % args.package_certs)
        package = set()
        for fn in sorted(os.listdir(args.package_certs)):
            with open(os.path.join(args.package_certs, fn), "rb") as f:
                data = f.read()
            for der in (read_pem_blocks(data) if b"-----BEGIN" in data else [data]):
                package.add(hashlib.sha256(der).hexdigest())

    summary = dict(kept=0, local=[], console_kept=[], console_retired=[], new=[], newly_retired=[],
                   revived=[], repinned=[], seeded=[], bundle=0)

    with tempfile.TemporaryDirectory(prefix="nssl-manifest.") as tmpdir:
        certs = []
        seen = set()
        for der in read_pem_blocks(bundle_data):
            try:
                c = describe(der, tmpdir)
            except ValueError as e:
                die("a bundle certificate does not parse: %s" % e)
            if c.sha256 in seen:
                continue
            seen.add(c.sha256)
            if package is not None and c.sha256 not in package:
                summary["local"].append(c)
                continue
            certs.append(c)
        summary["bundle"] = len(certs)
        summary["bundle_all"] = len(seen)
        stamp = "%s, %s: %d certificates pinned from the bundle" % (
            args.bundle, bundle_version() or "bundle sha256 " + bundle_sha[:16], len(certs))
        by_sha = {c.sha256: c for c in certs}

        # Every console ID has its console line; the retired lines older manifests used to
        # reserve them (console fingerprints or none) give way to it.
        for c in CONSOLE_LINES:
            r = m.retired.get(c["id"])
            if r is not None and not HEX64.match(r["fp"]):
                del m.retired[c["id"]]
            if c["id"] in m.retired:
                die("console ID %d is retired" % c["id"])
            if c["id"] not in m.console:
                m.console[c["id"]] = dict(c)
            elif m.console[c["id"]] != c:
                die("the console line of ID %d differs from the console's table" % c["id"])

        # Repository-path entries follow their file.
        for e in m.entries.values():
            if e["source"] == "bundle":
                continue
            path = os.path.join(args.source_root, e["source"])
            try:
                der = load_cert_file(path)
            except OSError as ex:
                die("entry %d: %s" % (e["id"], ex))
            sha = hashlib.sha256(der).hexdigest()
            if sha != e["sha256"]:
                summary["repinned"].append((e["id"], e["name"], e["sha256"], sha))
                e["sha256"] = sha

        # Bundle entries that left the bundle become retired lines (a console ID only absent).
        for eid in sorted(m.entries):
            e = m.entries[eid]
            if e["source"] == "bundle" and e["sha256"] not in by_sha:
                del m.entries[eid]
                if eid not in m.console:
                    m.retired[eid] = dict(id=eid, fp=e["sha256"], name=e["name"],
                                          reason=reason_left)
                summary["newly_retired"].append((eid, e["name"]))
        pinned = {e["sha256"]: e for e in m.entries.values()}
        summary["kept"] = sum(1 for c in certs if c.sha256 in pinned)

        console = [(i, n, fp, "commercial") for i, n, fp in CONSOLE_COMMERCIAL] + [
            (i, n, fp, "commercial-4096") for i, n, fp in CONSOLE_4096]
        console_ids = {i for i, _, _, _ in console}

        # Console roots: in the bundle -> the console's ID and name; absent -> reserved.
        for cid, cname, cfp, group in console:
            match = [c for c in certs if c.sha1.startswith(cfp)]
            if len(match) > 1:
                die("console root %d matches %d bundle certificates" % (cid, len(match)))
            if cid in m.entries:
                if match and m.entries[cid]["sha256"] == match[0].sha256:
                    summary["console_kept"].append((cid, cname))
                continue
            if match and match[0].sha256 not in pinned:
                c = match[0]
                if cid in m.retired:
                    r = m.retired[cid]
                    if r["fp"] not in ("sha1:" + cfp, c.sha256):
                        die("retired ID %d belongs to another certificate" % cid)
                    del m.retired[cid]
                    summary["revived"].append((cid, cname))
                e = dict(id=cid, kind="server-ca", sha256=c.sha256, groups=[group],
                         name=cname, source="bundle", extra={"props": "exportable"})
                m.entries[cid] = e
                pinned[c.sha256] = e
                summary["console_kept"].append((cid, cname))
        summary["console_retired"] = sorted(i for i in m.console if i not in m.entries)

        # A retired certificate that is back in the bundle gets its old ID again.
        for rid in sorted(m.retired):
            r = m.retired[rid]
            if HEX64.match(r["fp"]) and r["fp"] in by_sha and r["fp"] not in pinned:
                c = by_sha[r["fp"]]
                lo, hi = RANGES["commercial-4096"]
                group = "commercial-4096" if lo <= rid <= hi else "commercial"
                e = dict(id=rid, kind="server-ca", sha256=c.sha256, groups=[group],
                         name=r["name"], source="bundle", extra={"props": "exportable"})
                del m.retired[rid]
                m.entries[rid] = e
                pinned[c.sha256] = e
                summary["revived"].append((rid, r["name"]))

        # Every other bundle root: the next free ID in its range, in a deterministic order.
        fresh = [c for c in certs if c.sha256 not in pinned]
        for c in fresh:
            c.base = base_name(c)
        fresh.sort(key=lambda c: (c.base, c.subject_text, c.sha256))
        used_names = m.used_names()
        for c in fresh:
            group = "commercial-4096" if is_4096(c) else "commercial"
            nid = next_id(m, group)
            name = unique_name(c.base, used_names)
            used_names.add(name)
            e = dict(id=nid, kind="server-ca", sha256=c.sha256, groups=[group], name=name,
                     source="bundle", extra={"props": "exportable"})
            m.entries[nid] = e
            pinned[c.sha256] = e
            summary["new"].append((nid, name, group))

    # Names must be unique among live entries of a kind (they become C macros).
    names = {}
    for e in m.entries.values():
        key = (e["kind"], e["name"])
        if key in names:
            die("name %s used by IDs %d and %d" % (e["name"], names[key], e["id"]))
        names[key] = e["id"]

    if args.dry_run or args.check:
        real = write_to_string(m, stamp)
        changed = before is None or strip_stamp(before) != strip_stamp(real)
    else:
        real = write_manifest(m, args.manifest, stamp)
        changed = before is None or before != real

    n_srv = sum(1 for e in m.entries.values() if e["kind"] == "server-ca")
    n_cli = sum(1 for e in m.entries.values() if e["kind"] == "client")
    per_group = {g: sum(1 for e in m.entries.values() if g in e["groups"]) for g in GROUP_NAMES}
    print("update-manifest: %s %s" % ("created" if creating else "updated", args.manifest)
          if not (args.dry_run or args.check) else "update-manifest: %s (nothing written)"
          % args.manifest)
    if package is not None:
        print("  bundle: %d certificates, %d of them from the ca-certificates package" % (
            summary["bundle_all"], summary["bundle"]))
    else:
        print("  bundle: %d certificates (no package filter)" % summary["bundle_all"])
    for c in summary["local"]:
        print("  left out, not from the ca-certificates package (local addition): %s"
              % c.subject_text)
    print("  entries: %d server CAs, %d client; groups: %s" % (
        n_srv, n_cli, ", ".join("%s %d" % kv for kv in per_group.items())))
    print("  console IDs kept: %d (%s)" % (len(summary["console_kept"]), " ".join(
        str(i) for i, _ in sorted(summary["console_kept"]))))
    print("  console IDs absent (root not in the bundle): %d" % len(summary["console_retired"]))
    print("  bundle roots already pinned: %d" % summary["kept"])
    print("  new IDs: %d" % len(summary["new"]))
    for nid, name, group in summary["new"]:
        print("    + %d %s (%s)" % (nid, name, group))
    print("  newly retired (left the bundle): %d" % len(summary["newly_retired"]))
    for rid, name in summary["newly_retired"]:
        print("    - %d %s" % (rid, name))
    for rid, name in summary["revived"]:
        print("  back in the bundle, old ID restored: %d %s" % (rid, name))
    for eid, name, old, new in summary["repinned"]:
        print("  re-pinned %d %s: repository file changed (%s... -> %s...)" % (
            eid, name, old[:16], new[:16]))
    print("  console IDs in total: %d; retired IDs: %d" % (len(m.console), len(m.retired)))
    if args.check:
        if changed:
            print("update-manifest: the manifest is out of date", file=sys.stderr)
            return 1
        print("update-manifest: up to date")
    return 0


def write_to_string(m, stamp):
    with tempfile.TemporaryDirectory(prefix="nssl-manifest.") as d:
        return write_manifest(m, os.path.join(d, "manifest.tsv"), stamp)


def strip_stamp(text):
    return "\n".join(l for l in text.splitlines() if not l.startswith("# Generated from:"))


if __name__ == "__main__":
    sys.exit(main())
