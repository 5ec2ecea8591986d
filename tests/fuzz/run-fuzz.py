#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run one libFuzzer target and report in TAP.

  run-fuzz.py --replay TARGET CORPUS       run every corpus file once
  run-fuzz.py --seconds N TARGET CORPUS    fuzz for N seconds from CORPUS

Fuzzing writes new inputs to a scratch directory, never into the tree.
A crash is kept in $QUOKKA_FUZZ_ARTIFACTS (default: fuzz-artifacts/ in
the current directory) and its report printed; add that file to CORPUS
with the fix, so that --replay keeps it fixed.  The last "cov:"/"ft:"
figures libFuzzer printed are the coverage reached (edges and features).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

STATS_RE = re.compile(r'#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)')
FLAGS = ['-timeout=10', '-rss_limit_mb=2048', '-malloc_limit_mb=1024']


def diag(text):
    for line in text.splitlines()[-40:]:
        print('# ' + line)


def replay(target, corpus):
    files = sorted(os.listdir(corpus)) if os.path.isdir(corpus) else []
    name = os.path.basename(target)
    if not files:
        print('1..1')
        print('not ok 1 - %s: empty corpus %s' % (name, corpus))
        return 1
    print('1..%d' % len(files))
    failed = 0
    for i, f in enumerate(files, 1):
        proc = subprocess.run([target] + FLAGS + [os.path.join(corpus, f)],
                              capture_output=True, text=True,
                              errors='replace')
        if proc.returncode == 0:
            print('ok %d - %s replays %s' % (i, name, f))
        else:
            failed += 1
            print('not ok %d - %s replays %s (exit %d)' %
                  (i, name, f, proc.returncode))
            diag(proc.stderr)
    return 1 if failed else 0


def fuzz(target, corpus, seconds):
    name = os.path.basename(target)
    artifacts = os.environ.get('QUOKKA_FUZZ_ARTIFACTS', 'fuzz-artifacts')
    os.makedirs(artifacts, exist_ok=True)
    print('1..1')
    with tempfile.TemporaryDirectory(prefix=name + '-') as scratch:
        cmd = [target] + FLAGS + [
            '-max_total_time=%d' % seconds, '-print_final_stats=1',
            '-artifact_prefix=%s/%s-' % (artifacts, name), scratch, corpus]
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              errors='replace')
        new = len(os.listdir(scratch))
    stats = STATS_RE.findall(proc.stderr)
    execs, cov, ft = stats[-1] if stats else ('0', '?', '?')
    summary = ('%s: %d s, %s runs, cov %s, ft %s, %d new inputs' %
               (name, seconds, execs, cov, ft, new))
    if proc.returncode == 0 and stats:
        print('ok 1 - ' + summary)
        return 0
    print('not ok 1 - %s (exit %d)' % (summary, proc.returncode))
    diag(proc.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--replay', action='store_true')
    ap.add_argument('--seconds', type=int, default=10)
    ap.add_argument('target')
    ap.add_argument('corpus')
    args = ap.parse_args()
    if args.replay:
        return replay(args.target, args.corpus)
    return fuzz(args.target, args.corpus, args.seconds)


if __name__ == '__main__':
    sys.exit(main())
