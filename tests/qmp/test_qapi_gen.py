#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests of scripts/qapi-gen.py (suite 'unit'): a bad schema is refused
with a message naming the file, line and problem; a good one generates
marshallers, checkers and introspection data that agree with it."""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'pylib'))
from tap import Tap          # noqa: E402
import quokka                # noqa: E402

GEN = os.path.join(quokka.SOURCE, 'scripts', 'qapi-gen.py')

GOOD = """
##
# @Color:
# @red: red.
# @blue: blue.
##
{ 'enum': 'Color', 'data': [ 'red', 'blue' ] }

##
# @Paint:
# @color: its color.
# @coats: how many.
##
{ 'struct': 'Paint', 'data': { 'color': 'Color', '*coats': 'uint8' } }

##
# @paint:
# @what: the paint.
# @where: where.
##
{ 'command': 'paint', 'data': { 'what': [ 'Paint' ], '*where': 'str' },
  'returns': 'Paint' }

##
# @PAINTED:
# @color: the color.
##
{ 'event': 'PAINTED', 'data': { 'color': 'Color' } }

##
# @Job:
# @color: the kind.
# @id: its name.
##
{ 'union': 'Job', 'base': { 'id': 'str', 'color': 'Color' },
  'discriminator': 'color', 'data': { 'red': 'Paint' } }

##
# @do-job:
##
{ 'command': 'do-job', 'data': 'Job', 'boxed': true }
"""

BAD = [
    ("{ 'enum': 'X', 'data': [ 'a' ] }", "'X' lacks a doc comment"),
    ("##\n# @X:\n##\n{ 'enum': 'X', 'data': [ 'a' ] }",
     "'X': member 'a' is not documented"),
    ("##\n# @c:\n# @x: x.\n##\n{ 'command': 'c', 'data': { 'x': 'Nope' } }",
     "'c' uses unknown type 'Nope'"),
    ("##\n# @c:\n##\n{ 'command': 'c', 'returns': 'int' \n",
     'unexpected end'),
    ("##\n# @c:\n##\n{ 'command': 'c' }\n##\n# @c:\n##\n{ 'command': 'c' }",
     "'c' defined twice"),
    ("##\n# @c:\n##\n{ 'comand': 'c' }", 'unknown expression'),
    ("##\n# @c:\n##\n{ 'command': 'c', 'data': { 'x': 'str', 'x': 'int' } }",
     "duplicate key 'x'"),
    ("{ 'command': 'c\n' }", 'unterminated string'),
    ("##\n# @E:\n##\n{ 'enum': 'E' }", "'E' lacks key 'data'"),
    ("##\n# @E:\n##\n{ 'enum': 'E', 'data': { 'a': 'b' } }",
     "'E': member 'a' is not documented"),
    ("##\n# @c:\n# @x: x.\n##\n{ 'command': 'c', 'data': { 'x': 'str' }, "
     "'boxed': true }", "'c': 'boxed' needs a command whose 'data' names"),
]


def generate(tmp, text):
    path = os.path.join(tmp, 'schema.json')
    with open(path, 'w') as f:
        f.write(text)
    h, c = os.path.join(tmp, 'g.h'), os.path.join(tmp, 'g.c')
    r = subprocess.run([sys.executable, GEN, path, h, c],
                       capture_output=True, text=True)
    return r, h, c


def main():
    t = Tap()
    tmp = tempfile.mkdtemp(prefix='qapi-gen-test-')
    for text, msg in BAD:
        r, _, _ = generate(tmp, text)
        t.check('bad schema refused: %s' % msg,
                r.returncode != 0 and msg in r.stderr and
                re.search(r'schema\.json:\d+:', r.stderr) and
                'Traceback' not in r.stderr, r.stderr)

    r, h, c = generate(tmp, GOOD)
    t.check('good schema generates', r.returncode == 0, r.stderr)
    header = open(h).read()
    source = open(c).read()
    t.check('handler prototype has C arguments from the schema',
            'JsonNode *qmp_paint(JsonNode *what, bool has_where, '
            'const char *where, Error **errp);' in header, header)
    t.check('event sender takes the enum index',
            'void qapi_event_send_painted(int color);' in header, header)
    t.check('a boxed command\'s handler takes the checked object',
            'void qmp_do_job(JsonNode *args, Error **errp);' in header and
            'qapi_check_type_Job(argn, NULL, errp)' in source and
            'qmp_do_job(\n        argn,\n        errp);' in source, source)
    t.check('uint8 members are range-checked',
            'qapi_check_type_uint8' in source)
    m = re.search(r'qapi_introspection_json\[\] =\n((?:\s+".*"\n)+)\s+;',
                  source)
    intro = json.loads(''.join(json.loads(s.strip())
                               for s in m.group(1).splitlines()))
    by_name = {i['name']: i for i in intro}
    t.check('introspection describes the command with its types',
            by_name['paint']['ret-type'] == 'Paint' and
            by_name['paint']['arg-type'] == 'q_obj_paint-arg' and
            by_name['q_obj_paint-arg']['members'] ==
            [{'name': 'what', 'type': '[Paint]'},
             {'name': 'where', 'type': 'str', 'default': None}] and
            by_name['[Paint]']['element-type'] == 'Paint' and
            by_name['Color']['values'] == ['red', 'blue'], intro)
    t.check('a boxed command\'s argument type is the union',
            by_name['do-job']['arg-type'] == 'Job' and
            by_name['Job']['tag'] == 'color' and
            by_name['Job']['variants'] == [{'case': 'red', 'type': 'Paint'}],
            by_name.get('do-job'))
    sys.exit(t.done())


if __name__ == '__main__':
    main()
