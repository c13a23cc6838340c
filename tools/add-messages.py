#!/usr/bin/env python3
"""Adds or replaces messages in both locale files, keeping them sorted and in step.

Usage: tools/add-messages.py FILE.tsv   (lines: key<TAB>中文<TAB>English)
"""
import sys
import tomllib

LOCALES = [("locales/zh-CN.toml", 1, "简体中文"), ("locales/en.toml", 2, "English")]


def flatten(prefix, value, out):
    for k, v in value.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            flatten(key, v, out)
        else:
            out[key] = v


def esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def main(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8") if line.strip()]
    for fn, idx, label in LOCALES:
        with open(fn, "rb") as f:
            flat = {}
            flatten("", tomllib.load(f), flat)
        for row in rows:
            if len(row) != 3:
                sys.exit(f"bad line (need key, zh, en): {row}")
            flat[row[0]] = row[idx]
        groups = {}
        for k, v in flat.items():
            sec, _, rest = k.partition(".")
            groups.setdefault(sec, {})[rest] = v
        out = [f"# gaodi messages ({label}). Keys are shared with the other locale file; a test checks both hold the same keys.\n"]
        out.append("# Edit by hand or with tools/add-messages.py.\n")
        for sec in sorted(groups):
            out.append(f"\n[{sec}]\n")
            for k in sorted(groups[sec]):
                out.append(f'{k} = "{esc(groups[sec][k])}"\n')
        open(fn, "w", encoding="utf-8").write("".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
