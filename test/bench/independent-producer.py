#!/usr/bin/env python3
"""Independent producer of `tickmark.evidence.v1` evidence archives.

A second implementation of an archive *producer*, written from the format
specification (FORMAT.md) alone, in Python 3 with the standard library and the
`cryptography` package (Ed25519). It exists so that the verifier can be measured
and tested on large archives that the project's own producer did not make.

    python3 test/bench/independent-producer.py OUT.zip --receipts N
        [--segment-receipts S] [--checkpoint-every K] [--ledgers L] [--seed TEXT]

Defaults: S = 1000 receipts per segment file, K = 100, L = 2 ledgers, seed
"independent". The output is a function of the arguments only (same arguments,
same bytes). Writes OUT.zip and OUT.zip.json ({"rootPublicKey", "root",
"receipts", "producer"}), reports progress on stderr every 10 % and prints the
root public key (64 hex) on stdout at the end.

What it writes, meant to verify with no finding at all:
* keys.json: a root, two policy keys (one of them also an approver), one more
  approver, an archive key, and two gate keys per ledger (rotated mid-period;
  the retired one is revoked after its last use);
* three versions (1, 2 and 4) of one policy bundle, each signed by both policy
  keys, with real Cedar policies (namespaced entity types, action groups,
  `unless`, annotations, comments, sets) and a one-hour maintenance window
  between versions 2 and 4 in which no receipt is written;
* ledgers whose receipts are chained, signed, segmented (S per file) and
  checkpointed every K receipts and at the last one; every recorded decision
  is what Cedar gives for the bundle in force (evaluated here by a hand-written
  mirror of exactly those policies), denials are blocked, allowed actions stay
  within the agent's tier, personal data goes only to approved recipients,
  approval-required actions carry approver signatures, transactions are
  interleaved and all end, outputs are a function of their inputs, and the p99
  latency stays within each bundle's SLO (a few spikes, at most 1 %);
* a ZIP (written here, ZIP64 when needed) whose entries are stored or deflated
  at level 6 or 9, with directory entries (ignored by FORMAT.md, not listed in
  the manifest) and a manifest listing the other entries in write order.

Streaming: each ledger is made by its own process (a hash chain cannot be
signed in parallel), which signs, compresses and hashes one segment at a time
and hands it to the parent; the parent writes entries in a fixed round-robin
order, so the bytes do not depend on scheduling. Memory is bounded by a few
segments per ledger.
"""

import argparse
import datetime
import hashlib
import json
import multiprocessing
import os
import queue as queue_mod
import random
import re
import shutil
import struct
import sys
import tempfile
import time
import zlib

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
except ImportError:  # pragma: no cover
    sys.stderr.write(
        "independent-producer.py needs the 'cryptography' package "
        "(pip install cryptography, or apt-get install python3-cryptography)\n"
    )
    sys.exit(2)

PRODUCER = "independent-producer.py"
PRODUCER_VERSION = "1.0-ß"
FORMAT_ID = "tickmark.evidence.v1"
MAX_INT = 2**53 - 1
ZERO_HASH = "sha256:" + "0" * 64

# ---------------------------------------------------------------------------
# RFC 8785 JSON Canonicalization Scheme, for the value types this producer
# emits: null, booleans, integers 0..2^53-1 (FORMAT.md §1: no fractions or
# exponents, so the ECMAScript number form of such an integer is its decimal
# digits), strings, arrays, objects. Object members are sorted by the UTF-16
# code units of their names; strings are escaped as ECMAScript's JSON.stringify
# does (the two-character escapes \b \t \n \f \r \" \\, other controls below
# U+0020 as \u00xx in lowercase hex, everything else literal, including U+007F,
# U+2028 and non-ASCII) and written as UTF-8.
# ---------------------------------------------------------------------------


class Raw:
    """A value already in canonical form (made by jcs() itself), spliced verbatim."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


_JCS_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_JCS_ESC = {chr(c): _JCS_SHORT.get(chr(c), "\\u%04x" % c) for c in range(0x20)}
_JCS_ESC['"'] = '\\"'
_JCS_ESC["\\"] = "\\\\"
_JCS_NEEDS = re.compile('[\x00-\x1f"\\\\]')
_SURROGATE = re.compile("[\ud800-\udfff]")


def jcs_string(s):
    if _SURROGATE.search(s):
        raise ValueError("lone surrogate in string: not representable in UTF-8")
    if _JCS_NEEDS.search(s) is None:
        return '"' + s + '"'
    return '"' + _JCS_NEEDS.sub(lambda m: _JCS_ESC[m.group()], s) + '"'


def _utf16_key(name):
    return name.encode("utf-16-be")


def sorted_names(names):
    names = list(names)
    if all(n.isascii() for n in names):
        return sorted(names)  # ASCII: code point order is UTF-16 code unit order
    return sorted(names, key=_utf16_key)


def jcs(v):
    t = type(v)
    if t is str:
        return jcs_string(v)
    if t is int:
        if v < 0 or v > MAX_INT:
            raise ValueError("integer out of range 0..2^53-1: %d" % v)
        return str(v)
    if t is dict:
        return "{" + ",".join(jcs_string(k) + ":" + jcs(v[k]) for k in sorted_names(v)) + "}"
    if t is list or t is tuple:
        return "[" + ",".join(jcs(x) for x in v) + "]"
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is Raw:
        return v.text
    raise TypeError("no canonical form for %r (%s)" % (v, t.__name__))


def jcs_bytes(v):
    return jcs(v).encode("utf-8")


def _jcs_self_test():
    # RFC 8785 §3.2.3 member sorting example (UTF-16 code unit order).
    obj = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001F600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = [k for k in sorted_names(obj)]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001F600", "\ufb33"], order
    # RFC 8785 §3.2.2.2 string example.
    s = "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"/"
    assert jcs(s) == '"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"', jcs(s)
    assert jcs({"b": [True, False, None, 0, 9007199254740991], "a": {}}) == '{"a":{},"b":[true,false,null,0,9007199254740991]}'
    assert jcs("\x7f\u2028\x1f\x08") == '"\x7f\u2028\\u001f\\b"'
    # Round trip through a JSON parser gives the same value.
    probe = {"z": "Zoë 東京 🦉", "\U0001F600": 1, "\ufb01": [2, "\t"], "é": None}
    assert json.loads(jcs(probe)) == probe


# ---------------------------------------------------------------------------
# Hashes, keys, time
# ---------------------------------------------------------------------------


def sha_hex(b):
    return hashlib.sha256(b).hexdigest()


def H(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def Ht(text):
    return H(text.encode("utf-8"))


class Key:
    """An Ed25519 key whose private scalar seed is SHA-256(seed + "\\x1f" + label)."""

    def __init__(self, seed, label):
        self.label = label
        raw = hashlib.sha256((seed + "\x1f" + label).encode("utf-8")).digest()
        self._priv = Ed25519PrivateKey.from_private_bytes(raw)
        pub = self._priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_hex = pub.hex()
        self.kid = hashlib.sha256(pub).hexdigest()[:32]

    def sign(self, data):
        return self._priv.sign(data).hex()


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def iso(ms):
    s, m = divmod(ms, 1000)
    return (_EPOCH + datetime.timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % m


def from_iso(text):
    d = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return (d - _EPOCH) // datetime.timedelta(milliseconds=1)


SECOND = 1000
HOUR = 3600 * SECOND
DAY = 24 * HOUR

# The timeline is fixed (not a function of N): receipts are spread over SPAN.
START = from_iso("2025-12-29T22:00:00.000Z")  # crosses a year boundary
SPAN = 100 * DAY
B1 = START + 30 * DAY + 7 * HOUR + 123  # version 1 -> version 2 (until of v1 == from of v2)
B2 = START + 72 * DAY + 3 * HOUR  # version 2 ends here ...
GAP = HOUR  # ... and version 4 starts one hour later (maintenance window)
B4 = B2 + GAP
T_ROT = START + 45 * DAY + 12 * HOUR + 500  # gate key rotation
KEY_FROM = START - 60 * DAY
KEY_UNTIL = START + 400 * DAY


def map_time(raw):
    """Raw timeline -> receipt time: skip the maintenance window, never land on B1 itself."""
    if raw >= B2:
        raw += GAP
    if raw == B1:
        raw += 1  # FORMAT.md does not say whether effective_until is inclusive: stay off it
    return raw


# ---------------------------------------------------------------------------
# The world: agents, resources, actions, and three policy bundle versions
# ---------------------------------------------------------------------------

# id, role, tier, team, display name
AGENTS = [
    ("zoë-triage", "support", 3, "support", "Zoë (triage assistant)"),
    ("東京-ops-7", "operator", 2, "ops", "東京 operations bot #7"),
    ("ledgerkeeper", "finance", 1, "finance", "Ledger keeper — AP/AR"),
    ("etl-nightly", "data_processor", 2, "data", "Nightly ETL"),
    ("scout-🦉", "analyst", 3, "data", "Scout 🦉 research agent"),
    ("old-runner", "legacy", 4, "ops", "Legacy runner (retiring)"),
]
AGENT_WEIGHTS = [18, 20, 16, 20, 18, 8]

ACTION_PARENT = {
    "db.read": "read",
    "kb.search": "read",
    "db.update": "write",
    "db.delete": "write",
    "payments.release": "money",
    "payments.refund": "money",
    "db.export": None,
    "data.share": None,
}
READ_ACTIONS = ("db.read", "kb.search")
WRITE_ACTIONS = ("db.update", "db.delete")
MONEY_ACTIONS = ("payments.release", "payments.refund")
TABLE_ACTIONS = ("db.read", "kb.search", "db.update", "db.delete", "db.export")

ROLE_ACTIONS = {
    "support": [("kb.search", 40), ("db.read", 30), ("data.share", 15), ("db.update", 10), ("db.export", 5)],
    "operator": [("db.read", 25), ("db.update", 25), ("db.delete", 10), ("kb.search", 15), ("data.share", 10), ("db.export", 5), ("payments.release", 5)],
    "finance": [("payments.release", 35), ("payments.refund", 15), ("db.read", 20), ("data.share", 15), ("db.export", 5), ("kb.search", 10)],
    "data_processor": [("db.update", 30), ("db.read", 30), ("db.delete", 15), ("db.export", 10), ("data.share", 15)],
    "analyst": [("db.read", 40), ("kb.search", 40), ("data.share", 20)],
    "legacy": [("kb.search", 50), ("db.read", 30), ("db.export", 20)],
}

# table id: tier, labels, personal categories it holds
TABLES = [
    ("customers", 2, ["pii"], ["email", "phone", "postal_address"]),
    ("orders", 3, [], []),
    ("salaries", 1, ["hr", "pii"], ["bank_account", "email"]),
    ("kb_public", 5, [], []),
    ("incident_notes", 4, [], []),
    ("audit_trail", 1, [], []),
]
TABLE_BY_ID = {t[0]: t for t in TABLES}
ACCOUNTS = [("acct-0042", 1, "EUR"), ("acct-7781", 2, "USD"), ("escrow-東京", 1, "JPY")]
RECIPIENTS = ["crm.example.com", "mailer.例え.jp", "paste.example.org", "partner.example.net"]
CHANNELS = ["api", "批处理", "cli", "webhook"]
PERSONAL_SHARE = ["email", "phone", "postal_address"]

QUERIES = [
    "reset 2FA for Zoë's account",
    "東京オフィスの営業時間",
    "refund policy for damaged goods",
    "how to rotate API keys",
    "München warehouse address",
    "SLA for priority-1 incidents",
    "VAT rules for digital services",
    "export customer list (denied?)",
    "emoji support in names 😀",
    "password reset link expired",
] + ["kb topic %02d" % i for i in range(30)]

SUMMARIES = [
    "Zoë triaged ticket #5521: the customer asked for a refund; read-only lookup in tier 3.",
    "東京 operations: nightly reconciliation of orders — no personal data touched.",
    "Two-line note:\n\tstep 1 — look up \"orders\"\n\tstep 2 — update status (back\\slash kept).",
    "Ledger keeper released payment after approval by 山田 花子 ✅",
    "Control character kept escaped: [\u0007] and DEL kept literal: [\u007f], line separator [\u2028].",
    "Scout 🦉 compared Q4 vs Q1 metrics; résumé of findings attached to the reasoning record.",
    "Retry after timeout; cached answer reused (determinism check: same input, same output).",
]

BUNDLE_ID = "gatekeeper-prod-β"
TIER_NAMES = {"1": "streng geheim", "2": "vertraulich", "3": "intern", "4": "eingeschränkt", "5": "öffentlich"}
PERSONAL_CATEGORIES = ["email", "phone", "postal_address", "bank_account"]

POL_READ = """// Reads stay inside the agent's clearance: a smaller tier is more sensitive.
permit (
  principal is Agent,
  action in Action::"read",
  resource is Store::Table
)
when { resource.tier >= principal.tier };"""

POL_WRITE_V1 = """permit (principal is Agent, action in Action::"write", resource is Store::Table)
when { principal.role == "data_processor" && resource.tier >= principal.tier };"""

POL_WRITE_V2 = """// v2: operators may also write, still within their tier
permit (principal is Agent, action in Action::"write", resource is Store::Table)
when {
  ["data_processor", "operator"].contains(principal.role) &&
  resource.tier >= principal.tier
};"""

POL_MONEY_V1 = """@owner("Zoë Ångström")
@ticket("FIN-ß-12")
permit (
  principal in Org::Team::"finance",
  action in Action::"money",
  resource is Ledger::Account
)
when { context.approval == "granted" && resource.tier >= principal.tier };"""

POL_MONEY_V4 = """@owner("Zoë Ångström")
@ticket("FIN-ß-31")
permit (
  principal in Org::Team::"finance",
  action in Action::"money",
  resource is Ledger::Account
)
when {
  context.approval == "granted" &&
  resource.tier >= principal.tier &&
  context.amount_cents <= 2500000
};"""

POL_SHARE = """permit (principal is Agent, action == Action::"data.share", resource is Recipient)
when { resource.allowlisted && context.data_tier >= principal.tier };"""

POL_SHARE_NP = """// Non-personal, public-ish data may go anywhere.
permit (principal is Agent, action == Action::"data.share", resource is Recipient)
when {
  context.personal_count == 0 &&
  context.data_tier >= 4 &&
  context.data_tier >= principal.tier
};"""

POL_EXPORT = """forbid (principal, action == Action::"db.export", resource);"""

POL_LEGACY = """forbid (principal == Agent::"old-runner", action, resource)
unless { context has break_glass && context.break_glass };"""

POL_HR_HOURS = """// HR data only during business hours (UTC): 07:00 to 18:59
forbid (
  principal,
  action in [Action::"read", Action::"write"],
  resource is Store::Table
)
when { resource.labels.contains("hr") && (context.hour < 7 || context.hour >= 19) };"""

POL_PUBLIC_KB = """permit (principal, action == Action::"kb.search", resource is Store::Table)
when { resource.tier == 5 };"""

POL_ANALYST_PII = """forbid (principal is Agent, action, resource is Store::Table)
when { principal.role == "analyst" && resource.labels.containsAny(["pii", "hr"]) };"""


def cedar_policies(version):
    p = {
        "read.within-tier": POL_READ,
        "write.processors": POL_WRITE_V1 if version == 1 else POL_WRITE_V2,
        "money.approved": POL_MONEY_V4 if version >= 4 else POL_MONEY_V1,
        "share.allowlisted": POL_SHARE,
        "export.interdite": POL_EXPORT,
    }
    if version <= 2:
        p["share.non-personal"] = POL_SHARE_NP
    if version >= 2:
        p["legacy.retired"] = POL_LEGACY
        p["hr.heures-ouvrées"] = POL_HR_HOURS
    if version >= 4:
        p["search.public-kb"] = POL_PUBLIC_KB
        p["pii.analysts-no-pii"] = POL_ANALYST_PII
    return p


def cedar_decide(version, agent, action, rtype, rid, rattrs, ctx):
    """Exactly what Cedar gives for the policies of cedar_policies(version):
    deny if a forbid is satisfied (determining: the satisfied forbids), else allow if
    a permit is satisfied (determining: the satisfied permits), else deny with none.
    No policy here can raise an evaluation error for the requests this producer makes
    (every attribute a reachable condition reads is present, with the right type)."""
    aid, role, atier, team, _ = agent
    group = ACTION_PARENT[action]
    is_table = rtype == "Store::Table"
    permits = []
    forbids = []
    # permits
    if group == "read" and is_table and rattrs["tier"] >= atier:
        permits.append("read.within-tier")
    if group == "write" and is_table:
        roles = ("data_processor",) if version == 1 else ("data_processor", "operator")
        if role in roles and rattrs["tier"] >= atier:
            permits.append("write.processors")
    if team == "finance" and group == "money" and rtype == "Ledger::Account":
        ok = ctx["approval"] == "granted" and rattrs["tier"] >= atier
        if version >= 4:
            ok = ok and ctx["amount_cents"] <= 2500000
        if ok:
            permits.append("money.approved")
    if action == "data.share" and rtype == "Recipient":
        if rattrs["allowlisted"] and ctx["data_tier"] >= atier:
            permits.append("share.allowlisted")
        if version <= 2 and ctx["personal_count"] == 0 and ctx["data_tier"] >= 4 and ctx["data_tier"] >= atier:
            permits.append("share.non-personal")
    if version >= 4 and action == "kb.search" and is_table and rattrs["tier"] == 5:
        permits.append("search.public-kb")
    # forbids
    if action == "db.export":
        forbids.append("export.interdite")
    if version >= 2:
        if aid == "old-runner" and not ctx.get("break_glass", False):
            forbids.append("legacy.retired")
        if group in ("read", "write") and is_table and "hr" in rattrs["labels"]:
            if ctx["hour"] < 7 or ctx["hour"] >= 19:
                forbids.append("hr.heures-ouvrées")
    if version >= 4 and is_table and role == "analyst":
        if "pii" in rattrs["labels"] or "hr" in rattrs["labels"]:
            forbids.append("pii.analysts-no-pii")
    if forbids:
        return "deny", sorted_names(forbids)
    if permits:
        return "allow", sorted_names(permits)
    return "deny", []


def bundle_specs():
    """The three versions: (version, file name, from, until or None (member omitted), recipients,
    approval_required, p99 SLO)."""
    return [
        (1, "policies/gatekeeper-v1.json", START - 2 * DAY, B1,
         ["crm.example.com", "mailer.例え.jp"], ["payments.release", "payments.refund"], 1500),
        (2, "policies/gatekeeper-v2.json", B1, B2,
         ["crm.example.com", "mailer.例え.jp", "partner.example.net"], ["payments.release", "payments.refund"], 1200),
        (4, "policies/gatekeeper-v4-déploiement.json", B4, None,
         ["partner.example.net", "crm.example.com", "mailer.例え.jp"],
         ["payments.release", "payments.refund", "db.delete"], 900),
    ]


# ---------------------------------------------------------------------------
# Key set
# ---------------------------------------------------------------------------


def ledger_names(n):
    base = ["gw-fra-1", "gw-東京-2", "gw-iad-3", "gw-gru-4", "gw-syd-5", "gw-jnb-6"]
    return [base[i] if i < len(base) else "gw-x%03d" % (i + 1) for i in range(n)]


def make_keys(seed, ledgers):
    k = {
        "root": Key(seed, "root"),
        "policy-1": Key(seed, "policy/1"),
        "policy-2": Key(seed, "policy+approver/2"),
        "approver-1": Key(seed, "approver/1"),
        "archive": Key(seed, "archive"),
    }
    for name in ledgers:
        k["gate-a:" + name] = Key(seed, "gate/%s/a" % name)
        k["gate-b:" + name] = Key(seed, "gate/%s/b" % name)
    return k


def gate_key_for(keys, ledger, t):
    return keys[("gate-a:" if t < T_ROT else "gate-b:") + ledger]


APPROVERS = [("approver-1", "zoë.ångström@例え.jp"), ("policy-2", "山田 花子 <hanako.yamada@example.jp>")]


def keys_json(keys, ledgers):
    root = keys["root"]

    def entry(key, roles, nb, na, certify=True):
        e = {"alg": "ed25519", "kid": key.kid, "not_after": iso(na), "not_before": iso(nb),
             "public_key": key.public_hex, "roles": roles}
        if certify:
            e["cert"] = {"kid": root.kid, "sig": root.sign(jcs_bytes(e))}
        return e

    entries = [entry(keys["archive"], ["archive"], KEY_FROM, KEY_UNTIL)]
    for name in ledgers:
        entries.append(entry(keys["gate-a:" + name], ["gate"], START - 2 * DAY, T_ROT + DAY))
        entries.append(entry(keys["gate-b:" + name], ["gate"], T_ROT - DAY, KEY_UNTIL))
    entries.append(entry(keys["approver-1"], ["approver"], KEY_FROM, KEY_UNTIL))
    entries.append(entry(keys["policy-2"], ["policy", "approver"], START - 30 * DAY, KEY_UNTIL))
    entries.append(entry(keys["policy-1"], ["policy"], START - 30 * DAY, KEY_UNTIL))
    entries.append(entry(root, ["root"], KEY_FROM, KEY_UNTIL, certify=False))
    revocations = []
    for name in ledgers:
        old = keys["gate-a:" + name]
        body = {"kid": old.kid, "reason": "routine rotation — Schlüsselwechsel 🔑 (%s)" % name,
                "revoked_at": iso(T_ROT + 6 * HOUR)}
        rev = dict(body)
        rev["by"] = root.kid
        rev["sig"] = root.sign(jcs_bytes(body))
        revocations.append(rev)
    return {"keys": entries, "revocations": revocations}


def make_bundles(keys):
    out = []
    prev_hash = None
    for version, path, frm, until, recipients, approval_required, slo in bundle_specs():
        b = {
            "id": BUNDLE_ID,
            "version": version,
            "effective_from": iso(frm),
            "supersedes": prev_hash,
            "cedar": {"policies": cedar_policies(version)},
            "tiers": dict(TIER_NAMES),
            "data_handling": {"approved_recipients": recipients,
                              "personal_categories": PERSONAL_CATEGORIES + (["biometric"] if version >= 4 else [])},
            "approval_required": approval_required,
            "slo": {"p99_latency_ms": slo},
        }
        if until is not None:
            b["effective_until"] = iso(until)
        cb = jcs_bytes(b)
        doc = {"bundle": b, "signatures": [
            {"kid": keys["policy-2"].kid, "sig": keys["policy-2"].sign(cb)},
            {"kid": keys["policy-1"].kid, "sig": keys["policy-1"].sign(cb)},
        ]}
        h = H(cb)
        out.append({"version": version, "path": path, "from": frm, "until": until, "hash": h,
                    "recipients": recipients, "approval_required": approval_required, "slo": slo,
                    "bytes": jcs_bytes(doc)})
        prev_hash = h
    return out


def bundle_at(bundles, t):
    for b in bundles:
        if t >= b["from"] and (b["until"] is None or t < b["until"]):
            return b
    raise AssertionError("no bundle in force at %s" % iso(t))


# ---------------------------------------------------------------------------
# ZIP writer (PKZIP APPNOTE 6.3: stored or deflated entries, ZIP64 when needed)
# ---------------------------------------------------------------------------

U32 = 0xFFFFFFFF  # "see the ZIP64 field"
U16 = 0xFFFF
ZIP64_LIMIT = U32  # sizes and offsets from here on need ZIP64 (lowered only to test)
ZIP64_COUNT_LIMIT = U16


def _deflate_flags(level):
    return {9: 0x2, 8: 0x2, 2: 0x4, 1: 0x6}.get(level, 0)


def pack_entry(data, method):
    """A whole entry in memory. method: 0 (stored) or a deflate level 1..9."""
    sink = EntrySink(method)
    sink.write(data)
    return sink.finish()


SPILL_BYTES = 32 * 1024 * 1024


class EntrySink:
    """An entry made piece by piece: CRC-32, SHA-256 and size of the plain bytes, and the
    stored or deflated payload, kept in memory up to SPILL_BYTES and in a temporary file
    beyond (so memory does not grow with the segment size)."""

    def __init__(self, method, spill_dir=None):
        self.method = method
        self.spill_dir = spill_dir
        self.crc = 0
        self.sha = hashlib.sha256()
        self.usize = 0
        self.csize = 0
        self.chunks = []
        self.file = None
        self.co = zlib.compressobj(method, zlib.DEFLATED, -15, 9) if method else None

    def write(self, data):
        self.crc = zlib.crc32(data, self.crc)
        self.sha.update(data)
        self.usize += len(data)
        self._out(self.co.compress(data) if self.co else data)

    def _out(self, c):
        if not c:
            return
        self.csize += len(c)
        if self.file is not None:
            self.file.write(c)
            return
        self.chunks.append(c)
        if self.csize > SPILL_BYTES and self.spill_dir is not None:
            fd, path = tempfile.mkstemp(prefix=".indep-spill-", dir=self.spill_dir)
            self.file = os.fdopen(fd, "wb")
            self.path = path
            for ch in self.chunks:
                self.file.write(ch)
            self.chunks = []

    def finish(self):
        if self.co:
            self._out(self.co.flush())
        e = {"method": 8 if self.method else 0, "flags": _deflate_flags(self.method) if self.method else 0,
             "crc": self.crc & 0xFFFFFFFF, "usize": self.usize, "csize": self.csize,
             "sha256": self.sha.hexdigest()}
        if self.file is not None:
            self.file.close()
            e["payload_path"] = self.path
        else:
            e["payload"] = b"".join(self.chunks)
        self.chunks = []
        return e


class ZipOut:
    def __init__(self, path, when_ms):
        self.f = open(path, "wb")
        self.offset = 0
        self.central = []
        self.names = set()
        d = datetime.datetime.fromtimestamp(when_ms // 1000, datetime.timezone.utc)
        self.dos_time = (d.hour << 11) | (d.minute << 5) | (d.second // 2)
        self.dos_date = ((d.year - 1980) << 9) | (d.month << 5) | d.day

    def _write(self, b):
        self.f.write(b)
        self.offset += len(b)

    def add(self, name, e, is_dir=False):
        assert name not in self.names, name
        self.names.add(name)
        bname = name.encode("utf-8")
        flags = e["flags"] | (0x800 if not name.isascii() else 0)
        usize, csize = e["usize"], e["csize"]
        big = usize >= ZIP64_LIMIT or csize >= ZIP64_LIMIT  # only sizes go in a local ZIP64 field
        need = 45 if big else (20 if e["method"] == 8 or is_dir else 10)
        local_extra = struct.pack("<HHQQ", 1, 16, usize, csize) if big else b""
        header_offset = self.offset
        self._write(struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, need, flags, e["method"], self.dos_time, self.dos_date, e["crc"],
            U32 if big else csize, U32 if big else usize, len(bname), len(local_extra)))
        self._write(bname)
        self._write(local_extra)
        if "payload_path" in e:
            with open(e["payload_path"], "rb") as src:
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    self._write(chunk)
            os.unlink(e["payload_path"])
        else:
            self._write(e["payload"])
        attrs = ((0o40755 << 16) | 0x10) if is_dir else (0o100644 << 16)
        self.central.append((bname, flags, e["method"], e["crc"], csize, usize, header_offset, attrs, need))

    def add_dir(self, name):
        self.add(name, {"method": 0, "flags": 0, "crc": 0, "usize": 0, "csize": 0, "payload": b""}, is_dir=True)

    def close(self):
        cd_start = self.offset
        for bname, flags, method, crc, csize, usize, off, attrs, need in self.central:
            extra_vals = []
            f_usize, f_csize, f_off = usize, csize, off
            if usize >= ZIP64_LIMIT or csize >= ZIP64_LIMIT:  # as in the local header: both sizes
                extra_vals += [usize, csize]
                f_usize = f_csize = U32
            if off >= ZIP64_LIMIT:
                extra_vals.append(off)
                f_off = U32
            extra = struct.pack("<HH", 1, 8 * len(extra_vals)) + struct.pack("<%dQ" % len(extra_vals), *extra_vals) if extra_vals else b""
            if extra_vals:
                need = 45
            self._write(struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 63, need, flags, method, self.dos_time, self.dos_date,
                crc, f_csize, f_usize, len(bname), len(extra), 0, 0, 0, attrs, f_off))
            self._write(bname)
            self._write(extra)
        cd_size = self.offset - cd_start
        count = len(self.central)
        if count >= ZIP64_COUNT_LIMIT or cd_start >= ZIP64_LIMIT or cd_size >= ZIP64_LIMIT:
            z64 = self.offset
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, (3 << 8) | 63, 45, 0, 0, count, count, cd_size, cd_start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, z64, 1))
            n16 = U16 if count >= ZIP64_COUNT_LIMIT else count
            self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n16, n16,
                                    U32 if cd_size >= ZIP64_LIMIT else cd_size,
                                    U32 if cd_start >= ZIP64_LIMIT else cd_start, 0))
        else:
            self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_start, 0))
        self.f.close()


def segment_method(ledger_index, segment_index):
    if segment_index % 4 == 3:
        return 0  # stored
    return 9 if ledger_index % 2 else 6


# ---------------------------------------------------------------------------
# One ledger (runs in its own process)
# ---------------------------------------------------------------------------


class Picker:
    """Deterministic choices from a Mersenne Twister seeded by SHA-256 (random() only)."""

    def __init__(self, text):
        self.r = random.Random(int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big"))
        self.random = self.r.random

    def below(self, n):
        return int(self.random() * n)

    def one(self, seq):
        return seq[int(self.random() * len(seq))]

    def weighted(self, pairs):
        total = sum(w for _, w in pairs)
        x = self.random() * total
        for item, w in pairs:
            x -= w
            if x < 0:
                return item
        return pairs[-1][0]

    def chance(self, p):
        return self.random() < p


def ledger_worker(cfg, li, out):
    try:
        _ledger(cfg, li, out)
    except BaseException as exc:  # report, the parent stops
        import traceback
        out.put(("error", li, "".join(traceback.format_exception(exc))))


def _ledger(cfg, li, out):
    seed = cfg["seed"]
    ledger = cfg["ledgers"][li]
    n = cfg["counts"][li]
    S, K = cfg["S"], cfg["K"]
    keys = make_keys(seed, [ledger])
    approver_keys = [(keys[name], who) for name, who in APPROVERS]
    bundles = cfg["bundles"]
    attach = cfg["attach"]
    pk = Picker("%s|ledger|%s" % (seed, ledger))

    # canonical fragments that repeat (made by jcs(), spliced verbatim)
    agent_raw = {a[0]: Raw(jcs({"id": a[0], "role": a[1], "tier": a[2]})) for a in AGENTS}
    principal_raw = {a[0]: Raw(jcs({"type": "Agent", "id": a[0]})) for a in AGENTS}
    action_raw = {x: Raw(jcs({"type": "Action", "id": x})) for x in ACTION_PARENT}
    entities_cache = {}

    def entities_for(agent, action, rtype, rid, rattrs):
        key = (agent[0], action, rtype, rid, jcs(rattrs))
        r = entities_cache.get(key)
        if r is None:
            aid, role, tier, team, display = agent
            ents = [{"uid": {"type": rtype, "id": rid}, "attrs": rattrs, "parents": []}]
            parent = ACTION_PARENT[action]
            ents.append({"uid": {"type": "Action", "id": action}, "attrs": {},
                         "parents": [{"type": "Action", "id": parent}] if parent else []})
            if parent:
                ents.append({"uid": {"type": "Action", "id": parent}, "attrs": {}, "parents": []})
            ents.append({"uid": {"type": "Agent", "id": aid},
                         "attrs": {"display_name": display, "role": role, "tier": tier},
                         "parents": [{"type": "Org::Team", "id": team}]})
            ents.append({"uid": {"type": "Org::Team", "id": team}, "attrs": {"name": team.upper()}, "parents": []})
            r = Raw(jcs(ents))
            entities_cache[key] = r
        return r

    # timeline
    step = max(1, SPAN // n)
    raw_prev = START + li * 37 * SECOND

    prev = ZERO_HASH
    seq = 0
    open_txns = []
    txn_counter = 0
    slo_count = {}  # bundle version -> (receipts, spikes) in this ledger
    checkpoints = EntrySink(9, cfg["spill_dir"])  # streamed too (K = 1 makes as many as receipts)
    stats = {}
    seg_index = 0
    seg_lines = []  # a batch of lines not yet handed to the segment's sink
    seg_count = 0
    sink = None
    first_ts = None
    last_ts = None
    subjects_pool = [Ht("%s|subject|%d" % (seed, i)) for i in range(64)]

    def flush_lines():
        nonlocal seg_lines, sink
        if sink is None:
            sink = EntrySink(segment_method(li, seg_index), cfg["spill_dir"])
        sink.write(("\n".join(seg_lines) + "\n").encode("utf-8"))
        seg_lines = []

    def flush_segment():
        nonlocal seg_index, seg_count, sink
        if seg_lines:
            flush_lines()
        out.put(("seg", li, "ledgers/%s/%06d.jsonl" % (ledger, seg_index), sink.finish(), seg_count))
        seg_index += 1
        seg_count = 0
        sink = None

    for i in range(1, n + 1):
        remaining = n - i + 1
        seq = i
        # ---- time
        if pk.chance(0.002) and i > 1:
            raw = raw_prev  # same instant as the previous receipt (allowed: not earlier)
        else:
            raw = max(raw_prev, START + li * 37 * SECOND + (i - 1) * step + pk.below(step))
        raw_prev = raw
        t = map_time(raw)
        ts = iso(t)
        if first_ts is None:
            first_ts = t
        last_ts = t
        bundle = bundle_at(bundles, t)
        version = bundle["version"]
        hour = (t // HOUR) % 24

        # ---- transaction
        txn = None
        if len(open_txns) >= remaining:
            txn = open_txns[0]
            txn["target"] = txn["step"] + 1  # must end now
        elif open_txns and (len(open_txns) >= 4 or pk.chance(0.55)):
            txn = pk.one(open_txns)
        if txn is None:
            txn_counter += 1
            txn = {"id": "txn-%s-%08d" % (ledger, txn_counter), "step": 0,
                   "agent": pk.weighted(list(zip(AGENTS, AGENT_WEIGHTS))),
                   "target": 1 + pk.below(6), "denied": False}
            if len(open_txns) + 1 > remaining - 1:
                txn["target"] = 1  # no room to leave it open
            open_txns.append(txn)
        txn["step"] += 1
        agent = txn["agent"]
        aid, role, atier, team, _ = agent

        # ---- request
        action = pk.weighted(ROLE_ACTIONS[role])
        ctx = {"hour": hour, "channel": pk.one(CHANNELS)}
        personal = []
        subjects = []
        recipient = None
        if action in TABLE_ACTIONS:
            if action == "kb.search":
                tab = TABLE_BY_ID["kb_public"] if pk.chance(0.7) else pk.one(TABLES)
            else:
                tab = pk.one(TABLES)
            rtype, rid = "Store::Table", tab[0]
            rattrs = {"labels": list(tab[2]), "tier": tab[1]}
            dtier = tab[1]
            if tab[3]:
                personal = [c for c in tab[3] if pk.chance(0.6)] or [tab[3][0]]
                subjects = sorted({pk.one(subjects_pool) for _ in range(1 + pk.below(3))})
        elif action in MONEY_ACTIONS:
            acct = pk.one(ACCOUNTS)
            rtype, rid = "Ledger::Account", acct[0]
            rattrs = {"currency": acct[2], "tier": acct[1]}
            dtier = acct[1]
            ctx["approval"] = "granted" if pk.chance(0.85) else "none"
            ctx["amount_cents"] = 100 + pk.below(4000000)
            personal = ["bank_account"]
            subjects = [Ht("%s|holder|%s" % (seed, rid))]
        else:  # data.share
            rid = pk.one(RECIPIENTS)
            rtype = "Recipient"
            rattrs = {"allowlisted": rid in bundle["recipients"]}
            dtier = 1 + pk.below(5)
            ctx["data_tier"] = dtier
            if pk.chance(0.5):
                personal = [c for c in PERSONAL_SHARE if pk.chance(0.5)] or ["email"]
                subjects = sorted({pk.one(subjects_pool) for _ in range(1 + pk.below(2))})
            recipient = rid
        ctx["personal_count"] = len(personal)
        if aid == "old-runner" and pk.chance(0.15):
            ctx["break_glass"] = True
        if pk.chance(0.02):
            # member names outside the BMP and beyond U+E000: UTF-16 order differs from code point order
            ctx["meta"] = {"z": 1, "é": "accent", "\U0001F600": "emoji key", "\ufb01": "ligature key",
                           "note": "Zoë ↔ 東京"}

        effect, determining = cedar_decide(version, agent, action, rtype, rid, rattrs, ctx)
        if effect == "deny":
            txn["denied"] = True

        # ---- transaction end
        end = None
        if txn["step"] >= txn["target"]:
            end = "abort" if txn["denied"] and pk.chance(0.7) else "commit"
            open_txns.remove(txn)

        rcpt_id = "rc_" + sha_hex(("%s|receipt|%s|%d" % (seed, ledger, seq)).encode())[:24]

        # ---- exec, latency (p99 within the bundle's SLO: at most 1 % over it, per ledger)
        if effect == "deny":
            status = "blocked"
        else:
            status = "error" if pk.chance(0.015) else "ok"
        slo = bundle["slo"]
        cnt, spikes = slo_count.get(version, (0, 0))
        cnt += 1
        if effect == "deny":
            latency = 2 + pk.below(40)
        elif pk.chance(0.006) and spikes + 1 <= cnt // 100:
            latency = slo + 1 + pk.below(5 * slo)
            spikes += 1
        elif pk.chance(0.002):
            latency = slo  # exactly the SLO: not over it
        else:
            latency = 15 + pk.below(300) + pk.below(300) + pk.below(200)
        slo_count[version] = (cnt, spikes)

        # ---- io
        if action == "kb.search":
            inp = Ht("query|" + pk.one(QUERIES))
        else:
            inp = Ht("%s|input|%s|%d" % (seed, ledger, seq))
        reasoning = Ht("%s|reasoning|%s|%d" % (seed, ledger, seq))
        inp = attach.get((li, seq, "input"), inp)
        reasoning = attach.get((li, seq, "reasoning"), reasoning)
        if status == "ok":
            output = Ht("out|%s|%s|%s|%s|%s|%s" % (aid, action, rtype, rid, inp, bundle["hash"]))
        else:
            output = Ht("%s|%s" % (status, rcpt_id))
        cache = "hit" if (action == "kb.search" and pk.chance(0.6)) else "miss"

        # ---- decision, approval
        decision = {"bundle": bundle["hash"], "effect": effect, "policies": determining}
        wants_approval = (action in MONEY_ACTIONS and ctx.get("approval") == "granted") or (
            action in bundle["approval_required"] and effect == "allow") or (
            action == "db.delete" and pk.chance(0.5))
        if wants_approval:
            akey, who = approver_keys[seq % 2]
            asig = akey.sign(jcs_bytes({"action": action, "receipt_id": rcpt_id, "resource": rid}))
            decision["approval"] = {"approver": who, "kid": akey.kid, "sig": asig}

        # self-checks of the controls this archive must pass
        if effect == "allow":
            assert dtier >= atier, (seq, "tier")
            assert not (action in bundle["approval_required"]) or "approval" in decision, (seq, "approval")
            if personal and recipient is not None and status == "ok":
                assert recipient in bundle["recipients"], (seq, "recipient")

        gate = gate_key_for(keys, ledger, t)
        body = {
            "v": 1, "ledger": ledger, "seq": seq, "prev": prev, "id": rcpt_id, "ts": ts,
            "agent": agent_raw[aid],
            "txn": {"id": txn["id"], "step": txn["step"], "end": end},
            "request": {"principal": principal_raw[aid], "action": action_raw[action],
                        "resource": {"type": rtype, "id": rid}, "context": ctx},
            "entities": entities_for(agent, action, rtype, rid, rattrs),
            "data": {"tier": dtier, "personal": personal, "subjects": subjects, "recipient": recipient},
            "io": {"input": inp, "reasoning": reasoning, "output": output},
            "decision": decision,
            "exec": {"status": status, "latency_ms": latency, "cache": cache},
            "kid": gate.kid,
        }
        if (li, seq, "reasoning") in attach:
            body["reasoning_summary"] = "Full reasoning record attached (Begründung / 理由 / razón) ✍️"
        elif pk.chance(0.08):
            body["reasoning_summary"] = pk.one(SUMMARIES)
        members = {k: jcs(v) for k, v in body.items()}
        names = sorted(members)
        unsigned = "{" + ",".join('"%s":%s' % (k, members[k]) for k in names) + "}"
        members["sig"] = '"%s"' % gate.sign(unsigned.encode("utf-8"))
        names = sorted(members)
        line = "{" + ",".join('"%s":%s' % (k, members[k]) for k in names) + "}"
        lb = line.encode("utf-8")
        prev = H(lb)
        seg_lines.append(line)
        seg_count += 1
        if len(seg_lines) == 512:
            flush_lines()

        sk = (version, action, effect, ",".join(determining), status, "approval" in decision)
        stats[sk] = stats.get(sk, 0) + 1

        if seq % K == 0 or seq == n:
            ct = t + 250
            ck = gate_key_for(keys, ledger, ct)
            cp = {"head": prev, "kid": ck.kid, "ledger": ledger, "seq": seq, "ts": iso(ct)}
            cp["sig"] = ck.sign(jcs_bytes(cp))
            checkpoints.write((jcs(cp) + "\n").encode("utf-8"))
        if seg_count == S:
            flush_segment()
    if seg_count:
        flush_segment()
    assert not open_txns, "open transactions at the end of %s" % ledger
    out.put(("end", li, "ledgers/%s/checkpoints.jsonl" % ledger, checkpoints.finish(),
             {"first": first_ts, "last": last_ts, "stats": stats, "slo": slo_count}))


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def positive(text):
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(description="Independent producer of tickmark.evidence.v1 archives (from FORMAT.md).")
    ap.add_argument("out", help="output .zip path")
    ap.add_argument("--receipts", type=positive, required=True)
    ap.add_argument("--segment-receipts", type=positive, default=1000)
    ap.add_argument("--checkpoint-every", type=positive, default=100)
    ap.add_argument("--ledgers", type=positive, default=2)
    ap.add_argument("--seed", default="independent")
    args = ap.parse_args(argv)
    _jcs_self_test()
    t0 = time.time()

    N = args.receipts
    L = min(args.ledgers, N)
    seed = args.seed
    ledgers = ledger_names(L)
    counts = [N // L + (1 if i < N % L else 0) for i in range(L)]
    keys = make_keys(seed, ledgers)
    bundles = make_bundles(keys)

    # attachments: two reasoning records and one binary input
    attachments = []
    att_refs = {}
    text1 = ("Reasoning record — %s #1\nZoë asked: «quel est le statut?»\n東京の注文を確認しました。\n"
             "Decision: look up only, tier within clearance ✅\n" % ledgers[0]).encode("utf-8")
    attachments.append((text1, 9))
    att_refs[(0, 1, "reasoning")] = H(text1)
    if counts[0] >= 2:
        blob = b"".join(hashlib.sha256(("%s|blob|%d" % (seed, i)).encode()).digest() for i in range(96))
        attachments.append((blob, 0))
        att_refs[(0, 2, "input")] = H(blob)
    if L > 1:
        text3 = ("Reasoning record — %s #1 🦉\nSteps:\n\t1. read kb\n\t2. answer\n" % ledgers[-1]).encode("utf-8")
        attachments.append((text3, 6))
        att_refs[(L - 1, 1, "reasoning")] = H(text3)

    # large segments are spilled next to the output (not to a possibly memory-backed /tmp)
    spill_dir = tempfile.mkdtemp(prefix=".indep-spill-", dir=os.path.dirname(os.path.abspath(args.out)))
    cfg = {"seed": seed, "ledgers": ledgers, "counts": counts, "S": args.segment_receipts,
           "K": args.checkpoint_every,
           "bundles": [{k: b[k] for k in ("version", "from", "until", "hash", "recipients", "approval_required", "slo")}
                       for b in bundles],
           "attach": att_refs, "spill_dir": spill_dir}

    ctx = multiprocessing.get_context("fork")
    queues = [ctx.Queue(maxsize=2) for _ in range(L)]
    procs = [ctx.Process(target=ledger_worker, args=(cfg, li, queues[li]), daemon=True) for li in range(L)]
    for p in procs:
        p.start()

    tmp_path = args.out + ".part"
    # DOS timestamps of the entries: a fixed instant after the period (same bytes for the same arguments)
    zout = ZipOut(tmp_path, START + SPAN + 2 * DAY)
    manifest_files = []

    def put(name, e):
        zout.add(name, e)
        manifest_files.append({"bytes": e["usize"], "path": name, "sha256": "sha256:" + e["sha256"]})

    for b in bundles:
        put(b["path"], pack_entry(b["bytes"], 9))
    zout.add_dir("ledgers/")

    done = [False] * L
    started = [False] * L
    info = [None] * L
    written = 0
    next_report = 1
    try:
        while not all(done):
            for li in range(L):
                if done[li]:
                    continue
                while True:
                    try:
                        msg = queues[li].get(timeout=5)
                        break
                    except queue_mod.Empty:
                        if not procs[li].is_alive():
                            raise SystemExit("ledger process %d died (exit code %s)" % (li, procs[li].exitcode))
                if msg[0] == "error":
                    raise SystemExit("ledger %s failed:\n%s" % (ledgers[li], msg[2]))
                if not started[li]:
                    zout.add_dir("ledgers/%s/" % ledgers[li])
                    started[li] = True
                put(msg[2], msg[3])
                if msg[0] == "seg":
                    written += msg[4]
                    while next_report <= 10 and written * 10 >= next_report * N:
                        sys.stderr.write("[independent-producer] %3d%%  %d/%d receipts  %.1f s\n"
                                         % (next_report * 10, written, N, time.time() - t0))
                        next_report += 1
                else:
                    info[li] = msg[4]
                    done[li] = True
    except BaseException:
        for p in procs:
            if p.is_alive():
                p.kill()
        zout.f.close()
        os.unlink(tmp_path)
        shutil.rmtree(spill_dir, ignore_errors=True)
        raise
    for p in procs:
        p.join()
    shutil.rmtree(spill_dir, ignore_errors=True)

    for data, method in attachments:
        put("attachments/" + sha_hex(data), pack_entry(data, method))
    kj = jcs_bytes(keys_json(keys, ledgers))
    put("keys.json", pack_entry(kj, 9))

    first = min(x["first"] for x in info)
    last = max(x["last"] for x in info)
    created = last + 250 + 60 * SECOND + 7
    manifest = {
        "archive_id": "arc-" + sha_hex(("%s|archive|%d|%d|%d|%d" % (
            seed, N, args.segment_receipts, args.checkpoint_every, L)).encode())[:20],
        "created_at": iso(created),
        "files": manifest_files,
        "format": FORMAT_ID,
        "kid": keys["archive"].kid,
        "organization": "Zoë & 東京 Logistics GmbH ✓",
        "period": {"from": iso(first), "to": iso(last)},
        "producer": {"name": PRODUCER, "version": PRODUCER_VERSION},
    }
    manifest["sig"] = keys["archive"].sign(jcs_bytes(manifest))
    zout.add("manifest.json", pack_entry(jcs_bytes(manifest), 0))
    zout.close()
    os.replace(tmp_path, args.out)

    root = keys["root"].public_hex
    with open(args.out + ".json", "w", encoding="utf-8") as f:
        json.dump({"rootPublicKey": root, "root": root, "receipts": N, "producer": PRODUCER}, f)
        f.write("\n")

    if os.environ.get("INDEPENDENT_PRODUCER_STATS"):
        merged = {}
        for x in info:
            for k, v in x["stats"].items():
                merged[k] = merged.get(k, 0) + v
        for k in sorted(merged, key=repr):
            sys.stderr.write("  %7d  %r\n" % (merged[k], k))
        for li, x in enumerate(info):
            sys.stderr.write("  slo %s %r\n" % (ledgers[li], x["slo"]))
    sys.stderr.write("[independent-producer] wrote %s: %d receipts, %d ledgers, %d entries, %.1f MB, %.1f s\n"
                     % (args.out, N, L, len(zout.central), os.path.getsize(args.out) / 1e6, time.time() - t0))
    sys.stderr.write("[independent-producer] root public key (--trust-root): %s\n" % root)
    print(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
