#!/usr/bin/env python3
"""Checks that every target declares in Package.swift each module its files import (docs/ARCHITECTURE.md).

Run from the repository root: python3 Tools/check-imports.py
Prints each target that imports a module it does not list (exit status 1), and, as a note, the
dependencies a target lists but never imports. Standard library, Foundation and system modules are
not dependencies; a product that brings a C module under it (Crypto: CCryptoBoringSSL) counts for both.
"""
import glob, json, os, re, subprocess, sys

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
package = json.loads(subprocess.check_output(['swift', 'package', 'dump-package'], stderr=subprocess.DEVNULL))
# Modules a product provides besides its own name.
also = {'Crypto': {'CCryptoBoringSSL'}}
system = {'Foundation', 'FoundationEssentials', 'FoundationNetworking', 'Dispatch', 'Glibc', 'Musl', 'Darwin',
          'Synchronization', 'Testing', 'XCTest', 'os', 'Observation', 'CryptoKit', '_Concurrency'}
importLine = re.compile(r'\s*(?:@[\w()]+\s+)*(?:(?:public|package|internal|private|fileprivate)\s+)?'
                        r'import\s+(?:(?:struct|class|enum|func|protocol|typealias|var|let)\s+)?(\w+)')
failed = False
for target in package['targets']:
    name = target['name']
    deps = set()
    for d in target.get('dependencies', []):
        kind = next(iter(d))
        deps.add(d[kind][0])
    path = target.get('path') or ('Tests/' if target['type'] == 'test' else 'Sources/') + name
    imports = {}
    for f in glob.glob(path + '/**/*.swift', recursive=True):
        for line in open(f, encoding='utf-8'):
            m = importLine.match(line)
            if m:
                imports.setdefault(m.group(1), set()).add(os.path.relpath(f))
    allowed = set(deps).union(*(also.get(d, set()) for d in deps)) | system | {name}
    undeclared = {m: sorted(fs) for m, fs in imports.items() if m not in allowed}
    for module, files in sorted(undeclared.items()):
        failed = True
        print(f'{name}: imports {module} (in {", ".join(files)}) but Package.swift does not list it')
    unused = sorted(d for d in deps if d not in imports and not (also.get(d, set()) & set(imports)))
    if unused:
        print(f'note: {name} lists {", ".join(unused)} but no file imports it')
sys.exit(1 if failed else 0)
