#!/usr/bin/env python3
"""Turns bench/boot-bench's results into docs/benchmarks.md (and prints it).

usage: analyze.py RESULTS_DIR OUT.md

RESULTS_DIR holds machine, sizes, capture-sign and capture-modules (this host) and one
folder per release (bookworm, trixie) with release, workload, manifest, hook-size and the
boots' VARIANT-ROUND.dmesg files.
"""
import pathlib
import re
import statistics
import sys

RELEASES = {"bookworm": "Debian 12 (bookworm)", "trixie": "Debian 13 (trixie)"}
ORDER = ["serial", "parallel", "hookxz", "phookxz", "modprobe", "stock"]
HOOK_VARIANTS = ["serial", "parallel", "hookxz", "phookxz"]
# What an image gets without settings: load_threads=0 (parallel waves), decompress=kernel.
DEFAULT = "parallel"
NAMES = {"serial": "A modseal-hook, serial",
         "parallel": "A modseal-hook, parallel waves (the default)",
         "hookxz": "A modseal-hook, serial, in-process xz (`decompress=hook`)",
         "phookxz": "A modseal-hook, parallel waves, in-process xz (`decompress=hook`)",
         "modprobe": "B `modprobe -a`, same list",
         "stock": "C stock dracut, udev"}
ROOT = re.compile(r"\[\s*([\d.]+)\] bench: real root init")
# modseal: timing: wall_us=N insert_us=N hash_us=N [wait_us=N] waves=N threads=N
HOOK = re.compile(r"modseal: timing:((?: \w+=\d+)+)")
MODPROBE = re.compile(r"bench: modprobe -a wall_us=(\d+)")
INITCALL = re.compile(r"initcall \S+ \[(\w+)\] returned -?\d+ after (\d+) usecs")
MIB = 1024 * 1024


def parse_boot(path):
    text = path.read_text(errors="replace")
    dmesg, _, modules = text.partition("=== /proc/modules")
    boot = {"root_s": float(ROOT.search(dmesg).group(1)),
            "loaded": sorted(line.split()[0] for line in modules.splitlines() if line.strip())}
    hook = HOOK.search(dmesg)
    if hook:
        fields = dict(kv.split("=") for kv in hook.group(1).split())
        for key in ("wall", "insert", "hash", "wait"):
            if f"{key}_us" in fields:
                boot[f"{key}_ms"] = int(fields[f"{key}_us"]) / 1000
        for key in ("waves", "threads", "decompressed"):
            if key in fields:
                boot[key] = int(fields[key])
    probe = MODPROBE.search(dmesg)
    if probe:
        boot["wall_ms"] = int(probe.group(1)) / 1000
    found = INITCALL.findall(dmesg)
    boot["initcall_ms"] = sum(int(us) for _, us in found) / 1000
    boot["initcalls"] = len(found)
    return boot


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def fmt(s, unit="", digits=0):
    if s is None:
        return "–"
    med, lo, hi = s
    return f"{med:.{digits}f}{unit} ({lo:.{digits}f}–{hi:.{digits}f})"


def yes(ok):
    if ok is None:
        return "not measured"
    return "yes" if ok else "**no**"


def keyvalues(path):
    out = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(" ")
        out[key] = value.strip()
    return out


class Release:
    def __init__(self, results, rel):
        self.rel = rel
        self.dir = results / rel
        self.info = keyvalues(self.dir / "release")
        self.variants = [v for v in ORDER if v in self.info["variants"].split()]
        self.boots = {v: [parse_boot(p) for p in sorted(self.dir.glob(f"{v}-*.dmesg"))]
                      for v in self.variants}
        self.rounds = min(len(b) for b in self.boots.values())
        self.listed = sum(1 for line in (self.dir / "manifest").read_text().splitlines()
                          if line.startswith("module "))
        self.workload = keyvalues(self.dir / "workload")
        self.hook_size = int((self.dir / "hook-size").read_text())

    def col(self, variant, key):
        if variant not in self.boots:
            return None
        return stats([b.get(key) for b in self.boots[variant]])

    def median(self, variant, key):
        s = self.col(variant, key)
        return s[0] if s else None


def ratio(a, b):
    return a / b if a is not None and b else None


def f2(x):
    return "–" if x is None else f"{x:.2f}"


def release_section(r):
    info = r.info
    lines = [f"## {RELEASES[r.rel]}", "",
             f"Kernel {info['kernel']} (Debian generic); dracut {info['dracut']}, "
             f"kmod {info['kmod']}, udev {info['udev']}; modseal-hook from {info['hook']}. "
             f"{r.rounds} round{'s' if r.rounds != 1 else ''} of {', '.join(r.variants)}.", ""]
    dropped = info_list(r.workload.get("dropped", ""))
    builtin = info_list(r.workload.get("builtin", ""))
    lines += [f"Workload: the Kubernetes-node list ({r.workload.get('requested', '?')} names: "
              f"the saved /proc/modules plus kube-proxy, CNI and guest modules) resolved "
              f"against this tree: {r.listed} modules in the manifest, dependencies and "
              f"softdeps included. "
              f"Not in this tree, dropped: {', '.join(dropped) if dropped else 'none'}. "
              f"Built in, nothing to load: {', '.join(builtin) if builtin else 'none'}.", "",
              "| variant | kernel start → real root init | loader wall | inside insert calls "
              "| hash (hasher thread) | insert path waiting for digests "
              "| module initcalls (initcall_debug) | modules loaded |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for v in r.variants:
        loaded = stats([len(b["loaded"]) for b in r.boots[v]])
        lines.append(f"| {NAMES[v]} | {fmt(r.col(v, 'root_s'), ' s', 2)} | "
                     f"{fmt(r.col(v, 'wall_ms'), ' ms')} | {fmt(r.col(v, 'insert_ms'), ' ms')} | "
                     f"{fmt(r.col(v, 'hash_ms'), ' ms')} | {fmt(r.col(v, 'wait_ms'), ' ms')} | "
                     f"{fmt(r.col(v, 'initcall_ms'), ' ms')} | {fmt(loaded)} |")

    serial = [b for b in r.boots["serial"] if "wall_ms" in b and "insert_ms" in b]
    over = stats([b["wall_ms"] - b["insert_ms"] for b in serial])
    over_pct = stats([100 * (b["wall_ms"] - b["insert_ms"]) / b["insert_ms"] for b in serial])
    sealed = [v for v in HOOK_VARIANTS if v in r.variants]
    same_set = all(len({tuple(r.boots[v][i]["loaded"]) for v in sealed}) == 1
                   for i in range(r.rounds))
    a_b_serial = ratio(r.median("serial", "wall_ms"), r.median("modprobe", "wall_ms"))
    a_b = ratio(r.median(DEFAULT, "wall_ms"), r.median("modprobe", "wall_ms"))
    a_c = ratio(r.median(DEFAULT, "root_s"), r.median("stock", "root_s"))
    threads = r.col("parallel", "threads")
    waves = r.col("serial", "waves") or r.col("parallel", "waves")
    lines += ["",
              f"- Manifest: {r.listed} modules in {waves[0] if waves else '?'} dependency "
              f"waves; the parallel hook ran {threads[0] if threads else '?'} threads.",
              f"- Serial hook overhead (wall − inside insert calls): {fmt(over, ' ms')} = "
              f"{fmt(over_pct, ' %', 1)} of its floor.",
              "- A/B (hook wall / `modprobe -a` wall): " + ", ".join(
                  f"{v} {f2(ratio(r.median(v, 'wall_ms'), r.median('modprobe', 'wall_ms')))}"
                  for v in sealed) + f"; the default (parallel) **{f2(a_b)}**.",
              f"- A/C (kernel start → real root, the default hook / stock dracut): **{f2(a_c)}**. "
              "Stock dracut loads only what udev finds for the guest's devices "
              f"({fmt(stats([len(b['loaded']) for b in r.boots['stock']]))} modules); the "
              f"sealed images load the whole workload list.",
              f"- {', '.join(sealed)} end with the same set of loaded modules in every round: "
              f"**{'yes' if same_set else 'NO'}**."]
    xz = []
    if r.rel == "trixie":
        for kernel_v, hook_v, how in (("serial", "hookxz", "serial"),
                                      ("parallel", "phookxz", "parallel waves")):
            k, h = r.median(kernel_v, "wall_ms"), r.median(hook_v, "wall_ms")
            if k is None or h is None:
                continue
            faster = f"in-process xz ({hook_v})" if h < k else f"kernel xz ({kernel_v})"
            xz.append(f"{how}: kernel xz {k:.0f} ms, in-process xz {h:.0f} ms: {faster} is "
                      f"faster by {abs(k - h):.0f} ms ({100 * abs(k - h) / max(k, h):.0f} %)")
        for line in xz:
            lines.append(f"- Loader wall, {line}.")
        for v in ("serial", "parallel", "hookxz", "phookxz"):
            d = r.col(v, "decompressed")
            if d is not None:
                lines.append(f"- Modules the hook decompressed itself, {v}: {fmt(d)}.")
    lines += ["", f"### Targets, {RELEASES[r.rel]}", "",
              "| target | result | met |", "| --- | --- | --- |"]
    pct = over_pct[0] if over_pct else None
    lines += [
        f"| serial hook overhead above the time inside insert calls ≤ 5 % of that floor | "
        f"{'–' if pct is None else f'{pct:.1f} %'} | {yes(None if pct is None else pct <= 5)} |",
        f"| hook wall (the default, parallel) ≤ 0.67 × `modprobe -a` wall of the same list | "
        f"{f2(a_b)} (serial {f2(a_b_serial)}) | {yes(None if a_b is None else a_b <= 0.67)} |",
        f"| sealed boot (the default) to real root ≤ stock dracut | "
        f"{fmt_s(r.median(DEFAULT, 'root_s'))} vs {fmt_s(r.median('stock', 'root_s'))} | "
        f"{yes(None if a_c is None else a_c <= 1)} |",
        f"| same loaded set: {', '.join(sealed)} | {'same' if same_set else 'different'} | "
        f"{yes(same_set)} |"]
    for line in xz:
        lines.append(f"| kernel xz vs in-process xz, loader wall, {line} | (comparison) |")
    lines.append(f"| `modseal-hook` ≤ 1.5 MiB stripped | {r.hook_size} bytes "
                 f"({r.hook_size / MIB:.2f} MiB) | {yes(r.hook_size <= 1.5 * MIB)} |")
    return lines


def fmt_s(x):
    return "–" if x is None else f"{x:.2f} s"


def info_list(text):
    return [w for w in text.split() if w]


def main():
    results, out_path = map(pathlib.Path, sys.argv[1:3])
    releases = [Release(results, rel) for rel in RELEASES if (results / rel / "release").exists()]
    lines = ["# Benchmarks", "",
             "Generated by `bench/boot-bench`; do not edit by hand. Figures are medians with",
             "(min–max) over the rounds; in every round the variants of each release were",
             "booted one after another, Debian 12's then Debian 13's.", "",
             "```"]
    lines += (results / "machine").read_text().splitlines()
    lines += ["rounds: " + ", ".join(f"{r.rel} {r.rounds}" for r in releases), "```", "",
              "*Loader wall* is the hook's load stage as it times it (manifest check, hashing, "
              "inserts), or the `modprobe -a` hook's run. *Inside insert calls* is the hook's own sum of the time "
              "spent in libkmod's insert (open, read, decompress where it does, init_module), "
              "timed around each call and summed over threads: the floor no loader can go "
              "under. *Hash* is the hook's reader thread's time (read + SHA-256; with "
              "`decompress=hook` that thread also decompresses, so in-process xz shows up "
              "there, not inside insert calls); *waiting for digests* the time the insert path "
              "waited for the reader (hooks that report `wait_us`). The "
              "initcall column sums the kernel's `initcall_debug` figures for module init "
              "functions alone, which is part of the insert time.", ""]
    for r in releases:
        lines += release_section(r) + [""]

    sizes = {}
    for line in (results / "sizes").read_text().splitlines():
        size, path = line.split()
        sizes[pathlib.Path(path).stem] = int(size)
    cs = [tuple(map(int, line.split()))
          for line in (results / "capture-sign").read_text().splitlines()]
    capture_ms = stats([c / 1000 for c, _ in cs])
    sign_ms = stats([s / 1000 for _, s in cs])
    total_ms = stats([(c + s) / 1000 for c, s in cs])
    many = int((results / "capture-modules").read_text())
    lines += ["## Size (Debian 12, this build host)", "",
              "dracut's default module set on this build host, zstd:", "",
              "| image | size |", "| --- | --- |",
              f"| generic (`--no-hostonly`) | {sizes['size-generic'] / MIB:.1f} MiB |",
              f"| `--hostonly` | {sizes['size-hostonly'] / MIB:.1f} MiB |",
              f"| `--hostonly --add modseal` (sealed) | {sizes['size-sealed'] / MIB:.1f} MiB |",
              ""]
    for r in releases:
        isizes = sizes if r.rel == "bookworm" else {
            pathlib.Path(line.split()[1]).stem: int(line.split()[0])
            for line in (r.dir / "sizes").read_text().splitlines()}
        parts = [f"{v} {isizes[v] / MIB:.1f} MiB" for v in r.variants if v in isizes]
        lines.append(f"Uncompressed boot images, {RELEASES[r.rel]}: {', '.join(parts)}.")
        lines.append("")
    for r in releases:
        lines.append(f"`modseal-hook` of {RELEASES[r.rel]}, from {r.info['hook']}, static "
                     f"and stripped: {r.hook_size} bytes ({r.hook_size / MIB:.2f} MiB).")
        lines.append("")
    lines += ["## Builder (Debian 12, this build host)", "",
              f"`modseal capture` of a {many}-module manifest from a saved module list against "
              f"the Debian 12 generic tree, then `modseal sign`, 10 runs: capture "
              f"{fmt(capture_ms, ' ms')}, sign {fmt(sign_ms, ' ms')}, together "
              f"{fmt(total_ms, ' ms')}.", "",
              "### Targets, this build host", "",
              "| target | result | met |", "| --- | --- | --- |",
              f"| sealed initramfs ≤ `--hostonly` | {sizes['size-sealed']} ≤ "
              f"{sizes['size-hostonly']} bytes | "
              f"{yes(sizes['size-sealed'] <= sizes['size-hostonly'])} |",
              f"| capture + sign of ~200 modules < 1 s | {total_ms[0]:.0f} ms | "
              f"{yes(total_ms[0] < 1000)} |", ""]
    text = "\n".join(lines)
    out_path.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
