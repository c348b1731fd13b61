#!/usr/bin/env python3
"""Adds (sales.common.v1.limits) options to the request fields of protos/sales.

Usage: tools/field_limits/annotate.py [--check]

Reads a descriptor image built by buf (`buf build -o image.json`) to find
every message a method takes as input, directly or nested, then annotates
those messages' string and repeated fields from limits_map.py (the column
each value is stored in or compared with, from */migrations/*.sql, or the
handler's own bound). Fields the map does not name keep the documented
defaults (255 code points, 1000 entries). Response- and event-only
messages are left alone: the shape check never reads them.

Idempotent: a field that already carries the option is rewritten to the
mapped value. Writes protos/sales/common/v1/FIELD_LIMITS.md, the table of
every annotation and where its number comes from.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
PROTOS = os.path.join(ROOT, 'protos')
OPT = '(sales.common.v1.limits)'
IMPORT = 'import "sales/common/v1/field_limits.proto";'

sys.path.insert(0, os.path.dirname(__file__))
from limits_map import L  # noqa: E402


def image():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'image.json')
        subprocess.run([os.path.join(ROOT, 'node_modules/.bin/buf'), 'build', '-o', out, '--exclude-source-info'],
                       cwd=PROTOS, check=True)
        return json.load(open(out))


def request_messages(img):
    msgs, inputs = {}, set()

    def walk(m, prefix):
        full = prefix + '.' + m['name']
        msgs[full] = m
        for n in m.get('nestedType', []):
            walk(n, full)
    for f in img['file']:
        if not f['name'].startswith('sales/'):
            continue
        for m in f.get('messageType', []):
            walk(m, '.' + f['package'])
        for s in f.get('service', []):
            for md in s.get('method', []):
                inputs.add(md['inputType'])
    reach, stack = set(), list(inputs)
    while stack:
        t = stack.pop()
        if t in reach or t not in msgs:
            continue
        reach.add(t)
        for fd in msgs[t].get('field', []):
            if fd['type'] == 'TYPE_MESSAGE':
                stack.append(fd['typeName'])
    return reach


def lookup(pkg, msg, field, kind):
    suffix = ('items',) if kind == 'items' else ()
    for key in [(pkg, msg, field), (pkg, '*', field), ('*', '*', field)]:
        v = L.get(key + suffix)
        if v:
            return v[1], v[2]
    return None, None


FIELD = re.compile(r'^(\s*)(repeated\s+)?([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*(?:\[(.*)\])?\s*;(.*)$')
BLOCK = re.compile(r'^\s*(message|enum|oneof)\s+(\w+)\s*\{')


def annotate(path, reach, table):
    rel = os.path.relpath(path, PROTOS)
    lines = open(path).read().split('\n')
    pkg_line = next(l for l in lines if l.startswith('package '))
    package = pkg_line.split()[1].rstrip(';')
    short = package.split('.')[1]
    stack, out, used = [], [], False
    for line in lines:
        b = BLOCK.match(line)
        if b:
            stack.append((b.group(1), b.group(2)))
            out.append(line)
            continue
        if line.strip() == '}' and stack:
            stack.pop()
            out.append(line)
            continue
        m = FIELD.match(line)
        names = [n for k, n in stack if k == 'message']
        if not m or not names:
            out.append(line)
            continue
        indent, rep, typ, name, num, opts, rest = m.groups()
        full = '.' + package + '.' + '.'.join(names)
        if full not in reach:
            out.append(line)
            continue
        length, lsrc = lookup(short, names[-1], name, 'len') if typ == 'string' else (None, None)
        items, isrc = lookup(short, names[-1], name, 'items') if rep else (None, None)
        others = [o.strip() for o in (opts or '').split(',') if o.strip() and not o.strip().startswith(OPT)]
        if length and items:
            mine = [f'{OPT} = {{max_length: {length}, max_items: {items}}}']
        elif length:
            mine = [f'{OPT}.max_length = {length}']
        elif items:
            mine = [f'{OPT}.max_items = {items}']
        else:
            mine = []
        allopts = others + mine
        tail = f' [{", ".join(allopts)}]' if allopts else ''
        out.append(f'{indent}{rep or ""}{typ} {name} = {num}{tail};{rest}')
        if mine:
            used = True
            table.append((rel, '.'.join(names), name, length or '', items or '', lsrc or isrc))
    text = '\n'.join(out)
    if used and IMPORT not in text:
        imports = [i for i, l in enumerate(out) if l.startswith('import ')]
        if imports:
            # Keep the imports sorted.
            block = sorted(set([out[i] for i in imports] + [IMPORT]))
            out = out[:imports[0]] + block + out[imports[-1] + 1:]
        else:
            i = out.index(pkg_line)
            out = out[:i + 1] + ['', IMPORT] + out[i + 1:]
        text = '\n'.join(out)
    return text


def main():
    check = '--check' in sys.argv
    reach = request_messages(image())
    table, changed = [], []
    for d, _, files in sorted(os.walk(os.path.join(PROTOS, 'sales'))):
        for f in sorted(files):
            if not f.endswith('.proto') or f == 'field_limits.proto':
                continue
            p = os.path.join(d, f)
            new = annotate(p, reach, table)
            if new != open(p).read():
                changed.append(p)
                if not check:
                    open(p, 'w').write(new)
    md = ['# Field limits of the request messages', '',
          'Generated by `tools/field_limits/annotate.py` from `tools/field_limits/limits_map.py`.',
          'Each row is a `(sales.common.v1.limits)` option and where its number comes from (the column',
          'the value is stored in or compared with, or the handler\'s own bound). Fields not listed keep',
          'the defaults of `FieldLimits`: 255 code points, 1000 entries.', '',
          '| file | message | field | max_length | max_items | source |', '|---|---|---|---|---|---|']
    md += [f'| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} |' for r in table]
    mdpath = os.path.join(PROTOS, 'sales/common/v1/FIELD_LIMITS.md')
    mdtext = '\n'.join(md) + '\n'
    if not os.path.exists(mdpath) or open(mdpath).read() != mdtext:
        changed.append(mdpath)
        if not check:
            open(mdpath, 'w').write(mdtext)
    print(f'{len(table)} annotations; {len(changed)} files {"would change" if check else "changed"}')
    return 1 if check and changed else 0


if __name__ == '__main__':
    sys.exit(main())
