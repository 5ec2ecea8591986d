# SPDX-License-Identifier: GPL-2.0-or-later
"""Reads a QAPI schema (qapi/*.json) into Python objects.

The syntax is QEMU's schema language: JSON with single-quoted strings and
'#' comments.  A '##' block before a definition documents it; every
definition and every member must be documented (# @name: ...).
"""
import os
import re

BUILTINS = {
    'str': 'string', 'int': 'int', 'int8': 'int', 'int16': 'int',
    'int32': 'int', 'int64': 'int', 'uint8': 'int', 'uint16': 'int',
    'uint32': 'int', 'uint64': 'int', 'size': 'int', 'number': 'number',
    'bool': 'boolean', 'any': 'value', 'null': 'null',
}


class SchemaError(Exception):
    def __init__(self, fname, line, msg):
        super().__init__('%s:%d: %s' % (fname, line, msg))


class Member:
    def __init__(self, name, typ, optional):
        self.name = name
        self.type = typ             # type name, or [name] for a list
        self.optional = optional


class Entity:
    def __init__(self, meta, name, expr, doc, info):
        self.meta = meta            # enum struct union alternate command event
        self.name = name
        self.expr = expr
        self.doc = doc              # {member: text}, None when missing
        self.info = info
        self.members = []           # Member (struct, union base, args)
        self.values = []            # enum values
        self.variants = []          # (case, type): union and alternate
        self.tag = None
        self.returns = None
        self.arg_type = None        # command/event: name of an object type
        self.boxed = False          # command: handler takes the whole object


def _tokens(text, fname):
    """Yields (kind, value, line): kind is one of '{}[]:,' 'str' 'bool'."""
    i, line = 0, 1
    while i < len(text):
        c = text[i]
        if c == '\n':
            line += 1
            i += 1
        elif c in ' \t\r':
            i += 1
        elif c == '#':
            j = text.find('\n', i)
            j = len(text) if j < 0 else j
            yield ('#', text[i:j], line)
            i = j
        elif c in '{}[]:,':
            yield (c, c, line)
            i += 1
        elif c == "'":
            j = i + 1
            buf = []
            while j < len(text) and text[j] != "'":
                if text[j] == '\\' and j + 1 < len(text):
                    j += 1
                if text[j] == '\n':
                    raise SchemaError(fname, line, 'unterminated string')
                buf.append(text[j])
                j += 1
            if j >= len(text):
                raise SchemaError(fname, line, 'unterminated string')
            yield ('str', ''.join(buf), line)
            i = j + 1
        elif text.startswith('true', i):
            yield ('bool', True, line)
            i += 4
        elif text.startswith('false', i):
            yield ('bool', False, line)
            i += 5
        else:
            raise SchemaError(fname, line, 'stray %r' % c)


class _Parser:
    def __init__(self, fname):
        self.fname = fname
        with open(fname, encoding='utf-8') as f:
            self.toks = list(_tokens(f.read(), fname))
        self.pos = 0

    def peek(self):
        while self.pos < len(self.toks) and self.toks[self.pos][0] == '#':
            self.pos += 1
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def peek_kind(self):
        tok = self.peek()
        if tok is None:
            raise SchemaError(self.fname, self.toks[-1][2] if self.toks
                              else 1, 'unexpected end')
        return tok[0]

    def take(self, kind=None):
        self.peek_kind()
        tok = self.peek()
        if kind and tok[0] != kind:
            raise SchemaError(self.fname, tok[2],
                              'expected %r, got %r' % (kind, tok[1]))
        self.pos += 1
        return tok

    def value(self):
        kind, val, line = self.take()
        if kind in ('str', 'bool'):
            return val
        if kind == '[':
            out = []
            while self.peek_kind() != ']':
                out.append(self.value())
                if self.peek_kind() != ']':
                    self.take(',')
            self.take(']')
            return out
        if kind == '{':
            out = {}
            while self.peek_kind() != '}':
                key = self.take('str')
                self.take(':')
                if key[1] in out:
                    raise SchemaError(self.fname, key[2],
                                      'duplicate key %r' % key[1])
                out[key[1]] = self.value()
                if self.peek_kind() != '}':
                    self.take(',')
            self.take('}')
            return out
        raise SchemaError(self.fname, line, 'unexpected %r' % val)

    def expressions(self):
        """Yields (expr, doc comment lines, line) for each top-level expr."""
        doc = []
        while True:
            while self.pos < len(self.toks) and self.toks[self.pos][0] == '#':
                doc.append(self.toks[self.pos][1])
                self.pos += 1
            if self.pos >= len(self.toks):
                return
            line = self.toks[self.pos][2]
            if self.toks[self.pos][0] != '{':
                raise SchemaError(self.fname, line, 'expected an expression')
            yield self.value(), doc, line
            doc = []


def _parse_doc(lines):
    """Returns {name: text} from the last '##' block of comment lines."""
    blocks, cur, inside = [], [], False
    for ln in lines:
        if ln.strip() == '##':
            if inside:
                blocks.append(cur)
                cur = []
            inside = not inside
        elif inside:
            cur.append(ln[1:].strip())
    if not blocks:
        return None
    doc, key = {}, None
    for ln in blocks[-1]:
        m = re.match(r'@([\w-]+):\s*(.*)', ln)
        if m:
            key = m.group(1)
            doc[key] = m.group(2)
        elif key and ln:
            doc[key] += ' ' + ln
        elif not ln:
            key = None
    return doc


def _members(data, fname, line):
    if not isinstance(data, dict):
        raise SchemaError(fname, line, "'data' must be an object")
    out = []
    for key, typ in data.items():
        opt = key.startswith('*')
        name = key[1:] if opt else key
        if isinstance(typ, list):
            if len(typ) != 1 or not isinstance(typ[0], str):
                raise SchemaError(fname, line,
                                  "member '%s': a list names one type" % name)
            typ = [typ[0]]
        elif not isinstance(typ, str):
            raise SchemaError(fname, line,
                              "member '%s': inline types are not "
                              "supported" % name)
        out.append(Member(name, typ, opt))
    return out


META = ('enum', 'struct', 'union', 'alternate', 'command', 'event')


class Schema:
    def __init__(self, fname):
        self.entities = {}
        self.order = []
        self.files = []
        self._load(os.path.abspath(fname), set())
        self._resolve()

    def _load(self, fname, seen):
        if fname in seen:
            return
        seen.add(fname)
        self.files.append(fname)
        p = _Parser(fname)
        for expr, doc_lines, line in p.expressions():
            if 'include' in expr:
                self._load(os.path.join(os.path.dirname(fname),
                                        expr['include']), seen)
                continue
            metas = [m for m in META if m in expr]
            if len(metas) != 1:
                raise SchemaError(fname, line, 'unknown expression')
            meta = metas[0]
            name = expr[meta]
            doc = _parse_doc(doc_lines)
            if doc is None or name not in doc:
                raise SchemaError(fname, line,
                                  "'%s' lacks a doc comment" % name)
            if name in self.entities or name in BUILTINS:
                raise SchemaError(fname, line, "'%s' defined twice" % name)
            ent = Entity(meta, name, expr, doc, (fname, line))
            try:
                self._fill(ent, fname, line)
            except KeyError as e:
                raise SchemaError(fname, line, "'%s' lacks key %s"
                                  % (name, e)) from None
            except (TypeError, AttributeError):
                raise SchemaError(fname, line, "'%s' is malformed"
                                  % name) from None
            self.entities[name] = ent
            self.order.append(ent)

    def _fill(self, ent, fname, line):
        e = ent.expr
        if ent.meta == 'enum':
            ent.values = list(e['data'])
            documented = ent.values
        elif ent.meta == 'struct':
            ent.members = _members(e.get('data', {}), fname, line)
            documented = [m.name for m in ent.members]
        elif ent.meta == 'union':
            ent.members = _members(e['base'], fname, line)
            ent.tag = e['discriminator']
            ent.variants = list(e['data'].items())
            documented = [m.name for m in ent.members]
        elif ent.meta == 'alternate':
            ent.variants = list(e['data'].items())
            documented = [c for c, _ in ent.variants]
        else:
            data = e.get('data', {})
            ent.boxed = e.get('boxed', False) is True
            if ent.boxed and (ent.meta != 'command' or
                              not isinstance(data, str)):
                raise SchemaError(fname, line, "'%s': 'boxed' needs a "
                                  "command whose 'data' names a type"
                                  % ent.name)
            if isinstance(data, str):
                ent.arg_type = data
                documented = []
            else:
                ent.members = _members(data, fname, line)
                documented = [m.name for m in ent.members]
            ent.returns = e.get('returns')
        for name in documented:
            if name not in ent.doc:
                raise SchemaError(fname, line, "'%s': member '%s' is not "
                                  "documented" % (ent.name, name))

    def _check_type(self, typ, ent):
        if isinstance(typ, list):
            typ = typ[0]
        if typ not in BUILTINS and typ not in self.entities:
            raise SchemaError(ent.info[0], ent.info[1],
                              "'%s' uses unknown type '%s'" % (ent.name, typ))
        if typ in self.entities and \
                self.entities[typ].meta in ('command', 'event'):
            raise SchemaError(ent.info[0], ent.info[1],
                              "'%s' is not a type" % typ)

    def _resolve(self):
        for ent in self.order:
            for m in ent.members:
                self._check_type(m.type, ent)
            for _, t in ent.variants:
                self._check_type(t, ent)
            if ent.returns is not None:
                self._check_type(ent.returns, ent)
            if ent.arg_type:
                self._check_type(ent.arg_type, ent)
                ent.members = self.entities[ent.arg_type].members
            if ent.meta == 'union':
                tag = [m for m in ent.members if m.name == ent.tag]
                if not tag or tag[0].type not in self.entities or \
                        self.entities[tag[0].type].meta != 'enum':
                    raise SchemaError(ent.info[0], ent.info[1],
                                      "'%s': discriminator must be an enum "
                                      "member" % ent.name)

    def commands(self):
        return [e for e in self.order if e.meta == 'command']

    def events(self):
        return [e for e in self.order if e.meta == 'event']

    def get(self, name):
        return self.entities.get(name)
