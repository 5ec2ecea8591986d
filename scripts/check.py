#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the test tiers registered in meson and count TAP results.

Every test program speaks TAP.  Each "ok" line is one passed check, each
"not ok" one failure; a program that dies or exits non-zero without saying
"not ok" counts as one failure.  The last line printed is the plain summary
"N passed, N failed" (", N skipped" when some were skipped).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

TAP_RE = re.compile(r'^(not ok|ok)\b(.*)$')
TIMED_OUT = '[check.py] timed out'


def load_tests(builddir):
    out = subprocess.run(['meson', 'introspect', builddir, '--tests'],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def build_depends(builddir, tests):
    """Builds what the selected tests depend on but "all" leaves out
    (quokka.ko, for one), as `meson test` would."""
    wanted = {d for t in tests for d in t.get('depends', [])}
    if not wanted:
        return
    out = subprocess.run(['meson', 'introspect', builddir, '--targets'],
                         check=True, capture_output=True, text=True).stdout
    files = []
    for target in json.loads(out):
        if target['id'] in wanted and not target.get('build_by_default',
                                                     True):
            files += [os.path.relpath(f, os.path.abspath(builddir))
                      for f in target['filename']]
    if files:
        subprocess.run(['ninja', '-C', builddir] + files, check=True,
                       stdout=subprocess.DEVNULL)


def suites_of(test):
    # meson prefixes suites with the project name: "quokka:unit"
    return {s.split(':', 1)[-1] for s in test.get('suite', [])}


def parse_tap(text):
    passed = failed = skipped = 0
    failures = []
    for line in text.splitlines():
        m = TAP_RE.match(line)
        if not m:
            if line.startswith('Bail out!'):
                failed += 1
                failures.append(line)
            continue
        rest = m.group(2)
        directive = rest.split('#', 1)[1].strip().upper() if '#' in rest else ''
        if directive.startswith('SKIP'):
            skipped += 1
        elif m.group(1) == 'ok' or directive.startswith('TODO'):
            passed += 1
        else:
            failed += 1
            failures.append(line)
    return passed, failed, skipped, failures


def run_one(test, args):
    env = dict(os.environ)
    env.update(test.get('env') or {})
    timeout = test.get('timeout') or 30
    if args.timeout_multiplier:
        timeout *= args.timeout_multiplier
    start = time.monotonic()
    try:
        proc = subprocess.run(test['cmd'], env=env, cwd=test.get('workdir'),
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout if timeout > 0 else None)
        output = proc.stdout.decode('utf-8', 'replace')
        rc = proc.returncode
    except subprocess.TimeoutExpired as e:
        output = (e.stdout or b'').decode('utf-8', 'replace')
        output += '\n%s after %ds\n' % (TIMED_OUT, timeout)
        rc = None
    elapsed = time.monotonic() - start
    passed, failed, skipped, failures = parse_tap(output)
    if rc != 0 and failed == 0:
        failed = 1
        failures.append('exit status %s' % rc)
    if rc == 0 and passed + failed + skipped == 0:
        passed = 1
    return test, output, passed, failed, skipped, failures, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--builddir', default='build')
    ap.add_argument('--suite', action='append', default=[],
                    help='tier to run (unit, qtest, kvm, nested, compat, ...)')
    ap.add_argument('-j', '--jobs', type=int, default=os.cpu_count() or 2)
    ap.add_argument('-v', '--verbose', action='store_true')
    ap.add_argument('--timeout-multiplier', type=float, default=0)
    ap.add_argument('--log', default=None, help='write all output here')
    ap.add_argument('--asan-builddir', default=None,
                    help='a build made with ./configure --enable-asan')
    ap.add_argument('--asan-suite', action='append',
                    default=['unit', 'cli', 'qtest'])
    ap.add_argument('--rerun-suite', action='append', default=[],
                    help='a failed test of this tier runs once more; '
                         'the first attempt is printed, the second counts')
    ap.add_argument('--max-reruns', type=int, default=4,
                    help='reruns allowed in the whole run')
    ap.add_argument('--fuzz-builddir', default=None,
                    help='a clang build with the libFuzzer targets '
                         '(make fuzz-build): runs its "fuzz" suite')
    args = ap.parse_args()

    tests = load_tests(args.builddir)
    if args.suite:
        wanted = set(args.suite)
        tests = [t for t in tests if suites_of(t) & wanted]
    # The sanitizer build runs the fast tiers again, under ASan and UBSan.
    if args.asan_builddir:
        for t in load_tests(args.asan_builddir):
            if suites_of(t) & set(args.asan_suite):
                t = dict(t)
                t['name'] = 'asan/' + t['name']
                env = dict(t.get('env') or {})
                env.setdefault('ASAN_OPTIONS', 'detect_leaks=1')
                env.setdefault('UBSAN_OPTIONS',
                               'print_stacktrace=1:halt_on_error=1')
                t['env'] = env
                tests.append(t)
    if args.fuzz_builddir:
        for t in load_tests(args.fuzz_builddir):
            if 'fuzz' in suites_of(t):
                tests.append(dict(t, name='fuzz/' + t['name']))
    build_depends(args.builddir, tests)
    # Tests marked is_parallel=false (nested, benchmarks) run alone, last.
    parallel = [t for t in tests if t.get('is_parallel', True)]
    serial = [t for t in tests if not t.get('is_parallel', True)]

    totals = [0, 0, 0]
    log = open(args.log, 'w') if args.log else None

    reruns = []

    def show_failure(output, failures, prefix):
        # What failed comes first: a CI excerpt may show only the first
        # lines after the status line.
        # Three are enough to say what failed; the later ones are often
        # the first one's consequences, and the diagnostics matter more.
        for line in failures[:3]:
            print(prefix + 'failed: ' + line, flush=True)
        if len(failures) > 3:
            print(prefix + 'failed: ... and %d more' % (len(failures) - 3),
                  flush=True)
        lines = output.splitlines()
        first = next((i for i, l in enumerate(lines)
                      if l.startswith('not ok')), None)
        for line in lines[first + 1:first + 40] if first is not None else []:
            print(prefix + '> ' + line, flush=True)
        return lines

    def run_counted(test):
        """Runs TEST; a failure in a --rerun-suite tier (the nested
        tier's L1 and L2 run on TCG's emulated SVM, which now and then
        freezes or faults on its own) is printed and run once more."""
        result = run_one(test, args)
        # A test that ran into its timeout is not rerun: that would cost
        # the whole timeout again.
        if not (result[3] and suites_of(test) & set(args.rerun_suite)
                and len(reruns) < args.max_reruns
                and TIMED_OUT not in result[1]):
            return result
        _, output, p, f, s, failures, elapsed = result
        reruns.append(test['name'])
        print('RERUN %-39s %3d passed %3d failed %3d skipped  %6.1fs '
              '(first attempt; the rerun counts)'
              % (test['name'], p, f, s, elapsed), flush=True)
        lines = show_failure(output, failures, '    first attempt ')
        print('\n'.join('    first attempt | ' + l for l in lines[-30:]),
              flush=True)
        if log:
            log.write('==== %s (first attempt, failed)\n%s\n'
                      % (test['name'], output))
        return run_one(test, args)

    def report(result):
        test, output, p, f, s, failures, elapsed = result
        totals[0] += p
        totals[1] += f
        totals[2] += s
        status = 'FAIL' if f else 'ok'
        print('%-4s %-40s %3d passed %3d failed %3d skipped  %6.1fs'
              % (status, test['name'], p, f, s, elapsed), flush=True)
        if log:
            log.write('==== %s (%s)\n%s\n' % (test['name'], status, output))
        if f or args.verbose:
            lines = show_failure(output, failures, '    ')
            print('\n'.join('    | ' + l for l in lines[-60:]), flush=True)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for result in pool.map(lambda t: run_one(t, args), parallel):
            report(result)
    for t in serial:
        report(run_counted(t))
    if log:
        log.close()
    if reruns:
        print('rerun after a failed first attempt (printed above as '
              'RERUN): %s' % ', '.join(reruns), flush=True)

    summary = '%d passed, %d failed' % (totals[0], totals[1])
    if totals[2]:
        summary += ', %d skipped' % totals[2]
    print(summary, flush=True)
    return 1 if totals[1] else 0


if __name__ == '__main__':
    sys.exit(main())
