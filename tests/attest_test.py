#!/usr/bin/env python3
"""modseal attest against an independent computation: hashlib replays the events the hook
extends (modseal-hook(8), MEASURED SEAL) and the test holds attest's prediction, verdicts
and error messages to it.  usage: attest_test.py MODSEAL"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

MODSEAL = os.path.abspath(sys.argv[1])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([MODSEAL, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def sha(b):
    return hashlib.sha256(b).digest()


def replay(events, start=bytes(32)):
    pcr = start
    for e in events:
        pcr = sha(pcr + sha(e.encode()))
    return pcr.hex()


def log_text(events, pcr=13, start=bytes(32)):
    lines = [f"modseal-measurements 1 pcr {pcr} sha256 start {start.hex()}"]
    lines += [f"event {sha(e.encode()).hex()} {e}" for e in events]
    return "\n".join(lines) + "\n"


with tempfile.TemporaryDirectory() as d:
    os.chdir(d)
    check(run("keygen", "-o", "k")[0] == 0, "keygen")
    check(run("keygen", "-o", "other")[0] == 0, "keygen other")
    module_hash = hashlib.sha256(b"autofs4 bytes").hexdigest()
    manifest = ("modseal-manifest 1\nkernel 6.1.0-28-cloud-amd64\n"
                f"module autofs4 kernel/fs/autofs/autofs4.ko sha256:{module_hash} loaded -\n")
    with open("m", "w") as f:
        f.write(manifest)
    check(run("sign", "-k", "k.key", "m")[0] == 0, "sign")

    # minisign's public key: "Ed", 8 bytes of key id, 32 of key; printed little-endian.
    with open("k.pub") as f:
        key_id = base64.b64decode(f.read().splitlines()[1])[2:10]
    key_text = "%016X" % int.from_bytes(key_id, "little")
    events = [
        "modseal:manifest sha256:" + hashlib.sha256(manifest.encode()).hexdigest(),
        "modseal:key " + key_text,
        "modseal:kernel 6.1.0-28-cloud-amd64",
        "modseal:policy enforce lock=early kexec=yes",
        "modseal:outcome sealed",
    ]
    expected = replay(events)

    rc, out, err = run("attest", "-p", "k.pub", "m", "--json")
    check(rc == 0, f"attest --json exits 0 ({rc}: {err})")
    got = json.loads(out) if rc == 0 else {}
    check(got.get("expected") == expected, f"expected PCR {got.get('expected')} != {expected}")
    check([e["text"] for e in got.get("events", [])] == events, "event texts")
    check([e["digest"] for e in got.get("events", [])] ==
          [sha(e.encode()).hex() for e in events], "event digests")
    check(got.get("result") == "expected" and got.get("pcr") == 13, "result, pcr")

    rc, out, _ = run("attest", "-p", "k.pub", "m")
    check(rc == 0 and expected in out.splitlines()[0], "text output names the value")

    # Settings are part of the value.
    audit = events[:3] + ["modseal:policy audit lock=pre-mount kexec=no", events[4]]
    rc, out, _ = run("attest", "-p", "k.pub", "m", "--policy", "audit", "--lock",
                     "pre-mount", "--kexec", "no", "--json")
    check(rc == 0 and json.loads(out)["expected"] == replay(audit), "settings change the value")

    # A reported value, as tpm2_pcrread prints it.
    rc, out, _ = run("attest", "-p", "k.pub", "m", "--pcr-value", "0x" + expected.upper())
    check(rc == 0 and out.splitlines()[-1] == "match", "the sealed value matches")
    wrong = replay(events[:4] + ["modseal:outcome audit-failures 1 sha256:" + "0" * 64])
    rc, out, _ = run("attest", "-p", "k.pub", "m", "--pcr-value", wrong)
    check(rc == 1 and f"mismatch: PCR 13 reads {wrong}, not the sealed {expected}" in out,
          "another value is a mismatch")

    def attest_log(events_in_log, *extra, **kw):
        with open("log", "w") as f:
            f.write(log_text(events_in_log, **kw))
        return run("attest", "-p", "k.pub", "m", "--log", "log", *extra)

    rc, out, _ = attest_log(events, "--pcr-value", expected)
    check(rc == 0 and out.splitlines()[-1] == "match", "the node's log matches")
    # A log alone is a file root could write: never a plain "match".
    rc, out, _ = attest_log(events)
    check(rc == 0 and out.splitlines()[-1].startswith("log-match: "), "a log alone")
    rc, out, _ = attest_log(events, "--json")
    check(rc == 0 and json.loads(out)["result"] == "log-match", "a log alone, as JSON")
    outcome = "modseal:outcome audit-failures 1 sha256:" + hashlib.sha256(
        b"module sctp is loaded but not in the manifest").hexdigest()
    rc, out, _ = attest_log(events[:4] + [outcome])
    check(rc == 1 and f'event 5 differs: expected "modseal:outcome sealed", the log has "{outcome}"'
          in out, "an audit-failures outcome is named")
    rc, out, _ = attest_log(events + ["modseal:shell rd.break"])
    check(rc == 1 and 'the log has 1 event(s) after the seal, first "modseal:shell rd.break"'
          in out, "a shell after the seal is named")
    rc, out, _ = attest_log(events[:2])
    check(rc == 1 and 'event 3 is missing from the log' in out, "a short log is named")
    rc, out, _ = attest_log(events, start=sha(b"x"))
    check(rc == 1 and "before the seal: something extended it first" in out, "a non-zero start")
    rc, out, _ = attest_log(events, "--pcr-value", wrong)
    check(rc == 1 and "does not replay to the reported PCR value" in out, "log vs reported value")
    rc, out, _ = attest_log(events, pcr=14)
    check(rc == 1 and "the log is of PCR 14, not 13" in out, "another PCR's log")

    # Input errors: exit 2, file and line named.
    with open("log", "w") as f:
        f.write(log_text(events).replace(sha(events[1].encode()).hex(), "0" * 64))
    rc, _, err = run("attest", "-p", "k.pub", "m", "--log", "log")
    check(rc == 2 and "log:3: digest is not SHA-256 of the event's text" in err, "tampered log")
    rc, _, err = run("attest", "-p", "k.pub", "m", "--pcr", "16")
    check(rc == 2 and "PCR 8 to 15 only" in err, "a PCR out of range")
    rc, _, err = run("attest", "-p", "k.pub", "m", "--pcr-value", "abc")
    check(rc == 2 and "expected 64 hex digits" in err, "a malformed value")
    # Only a manifest signed by a trusted key predicts anything.
    rc, _, err = run("attest", "-p", "other.pub", "m")
    check(rc == 1 and "verification FAILED" in err, "an untrusted key")

print("attest:", "FAILED" if failures else "OK", f"({len(failures)} failures)")
sys.exit(1 if failures else 0)
