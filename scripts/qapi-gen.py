#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generates the QMP C code from the QAPI schema.

    qapi-gen.py SCHEMA OUT.h OUT.c

OUT.h declares enum lookup tables, the checkers of every type, the
qmp_<command>() handlers the subsystems write and the event senders.
OUT.c holds the checkers (type and range of each argument, missing and
unexpected members), the marshallers that turn a checked argument object
into C arguments, the sorted command table, the event senders and the
query-qmp-schema data.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qapi.schema import Schema, BUILTINS  # noqa: E402

C_KEYWORDS = {'default', 'class', 'case', 'char', 'int', 'bool', 'if',
              'else', 'for', 'while', 'return', 'switch', 'struct', 'union',
              'enum', 'static', 'const', 'register', 'unsigned', 'signed'}

SCALAR_C = {
    'str': 'const char *', 'int': 'int64_t', 'int8': 'int64_t',
    'int16': 'int64_t', 'int32': 'int64_t', 'int64': 'int64_t',
    'uint8': 'uint64_t', 'uint16': 'uint64_t', 'uint32': 'uint64_t',
    'uint64': 'uint64_t', 'size': 'uint64_t', 'number': 'double',
    'bool': 'bool',
}


def c_name(name):
    out = name.replace('-', '_').replace('.', '_')
    return 'q_' + out if out in C_KEYWORDS else out


def type_key(typ):
    """A C identifier for a type reference (lists become 'list_T')."""
    if isinstance(typ, list):
        return 'list_' + type_key(typ[0])
    return typ.replace('-', '_').replace('.', '_')


def checker(typ):
    return 'qapi_check_type_' + type_key(typ)


def q_str(s):
    return json.dumps(s)


class Gen:
    def __init__(self, schema):
        self.s = schema
        self.h = []
        self.c = []
        self.lists = []

    # ---- types ----

    def implicit_arg_name(self, ent):
        if ent.arg_type:
            return ent.arg_type
        if not ent.members:
            return 'q_empty'
        return 'q_obj_%s-arg' % ent.name

    def collect_lists(self):
        seen = set()

        def add(typ):
            if isinstance(typ, list) and typ[0] not in seen:
                seen.add(typ[0])
                self.lists.append(typ[0])
        for ent in self.s.order:
            for m in ent.members:
                add(m.type)
            for _, t in ent.variants:
                add(t)
            if ent.returns is not None:
                add(ent.returns)

    def gen_enum(self, ent):
        cn = c_name(ent.name)
        self.h.append('extern const char *const %s_lookup[];' % cn)
        self.h.append('#define %s__MAX %d' % (cn.upper(), len(ent.values)))
        self.c.append('const char *const %s_lookup[] = {' % cn)
        for v in ent.values:
            self.c.append('    %s,' % q_str(v))
        self.c.append('    NULL,')
        self.c.append('};')
        self.c.append('')
        self.c.append('bool %s(JsonNode *n, const char *name, Error **errp)'
                      % checker(ent.name))
        self.c.append('{')
        self.c.append('    return qapi_check_enum(n, name, %s_lookup, NULL, '
                      'errp);' % cn)
        self.c.append('}')
        self.c.append('')

    def gen_members_check(self, members, out):
        for m in members:
            out.append('    if (!qapi_check_member(obj, name, %s, %s, %s, '
                       'errp)) {' % (q_str(m.name),
                                     'true' if m.optional else 'false',
                                     checker(m.type)))
            out.append('        return false;')
            out.append('    }')

    def gen_object_checker(self, fn_name, members, allowed_extra=None,
                           union=None):
        """A checker for an object type with @members (and union cases)."""
        names = [m.name for m in members]
        out = self.c
        out.append('bool %s(JsonNode *n, const char *name, Error **errp)'
                   % fn_name)
        out.append('{')
        out.append('    static const char *const known[] = {')
        for nm in names:
            out.append('        %s,' % q_str(nm))
        out.append('        NULL,')
        out.append('    };')
        out.append('    JsonObject *obj;')
        if union:
            out.append('    const char *tag;')
        out.append('')
        out.append('    if (!qapi_check_object(n, name, &obj, errp)) {')
        out.append('        return false;')
        out.append('    }')
        self.gen_members_check(members, out)
        if union:
            tag, variants = union
            out.append('    tag = json_object_get_string_member(obj, %s);'
                       % q_str(tag))
            for case, typ in variants:
                out.append('    if (!strcmp(tag, %s)) {' % q_str(case))
                out.append('        return qapi_check_variant(obj, name, '
                           'known, %s, errp);' % checker(typ))
                out.append('    }')
        out.append('    return qapi_check_unexpected(obj, name, known, '
                   'NULL, errp);')
        out.append('}')
        out.append('')

    def gen_struct(self, ent):
        self.gen_object_checker(checker(ent.name), ent.members)

    def gen_union(self, ent):
        self.gen_object_checker(checker(ent.name), ent.members,
                                union=(ent.tag, ent.variants))

    def gen_alternate(self, ent):
        self.c.append('bool %s(JsonNode *n, const char *name, Error **errp)'
                      % checker(ent.name))
        self.c.append('{')
        for _, typ in ent.variants:
            self.c.append('    if (%s(n, name, NULL)) {' % checker(typ))
            self.c.append('        return true;')
            self.c.append('    }')
        self.c.append('    return qapi_check_fail_type(name, %s, errp);'
                      % q_str(ent.name))
        self.c.append('}')
        self.c.append('')

    def gen_list(self, elem):
        self.c.append('bool %s(JsonNode *n, const char *name, Error **errp)'
                      % checker([elem]))
        self.c.append('{')
        self.c.append('    return qapi_check_list(n, name, %s, errp);'
                      % checker(elem))
        self.c.append('}')
        self.c.append('')

    def declare_checkers(self):
        for ent in self.s.order:
            if ent.meta in ('enum', 'struct', 'union', 'alternate'):
                self.h.append('bool %s(JsonNode *n, const char *name, '
                              'Error **errp);' % checker(ent.name))
        for elem in self.lists:
            self.h.append('bool %s(JsonNode *n, const char *name, '
                          'Error **errp);' % checker([elem]))
        self.h.append('')

    # ---- commands ----

    def is_enum(self, t):
        return isinstance(t, str) and t not in BUILTINS and \
            self.s.get(t).meta == 'enum'

    def c_params(self, members):
        out = []
        for m in members:
            cn = c_name(m.name)
            if m.optional:
                out.append('bool has_' + cn)
            t = m.type
            if isinstance(t, str) and t in SCALAR_C:
                out.append(SCALAR_C[t] + ('' if t == 'str' else ' ') + cn)
            elif self.is_enum(t):
                out.append('int ' + cn)
            else:
                out.append('JsonNode *' + cn)
        return out

    def handler_proto(self, ent):
        if ent.boxed:
            params = ['JsonNode *args', 'Error **errp']
        else:
            params = self.c_params(ent.members) + ['Error **errp']
        ret = 'JsonNode *' if ent.returns is not None else 'void '
        return '%sqmp_%s(%s)' % (ret, c_name(ent.name), ', '.join(params))

    def extract(self, m):
        """C statements fetching member @m of 'args' into a local."""
        cn = c_name(m.name)
        t = m.type
        get = 'json_object_get_member(args, %s)' % q_str(m.name)
        if isinstance(t, str) and t in SCALAR_C:
            fn = {'const char *': 'json_node_get_string',
                  'int64_t': 'json_node_get_int',
                  'uint64_t': 'qapi_node_get_uint',
                  'double': 'json_node_get_double',
                  'bool': 'json_node_get_boolean'}[SCALAR_C[t]]
            zero = 'NULL' if t == 'str' else '0'
            return '%s(%s)' % (fn, get), zero
        if self.is_enum(t):
            return ('qapi_enum_index(json_node_get_string(%s), %s_lookup)'
                    % (get, c_name(t))), '0'
        return get, 'NULL'

    def gen_command(self, ent):
        cn = c_name(ent.name)
        self.h.append(self.handler_proto(ent) + ';')
        self.c.append('static JsonNode *qmp_marshal_%s(JsonNode *argn, '
                      'Error **errp)' % cn)
        self.c.append('{')
        if ent.members and not ent.boxed:
            self.c.append('    JsonObject *args = json_node_get_object(argn);')
        self.c.append('')
        self.c.append('    if (!%s(argn, NULL, errp)) {'
                      % checker(self.implicit_arg_name(ent)))
        self.c.append('        return NULL;')
        self.c.append('    }')
        call = ['argn'] if ent.boxed else []
        for m in ([] if ent.boxed else ent.members):
            expr, zero = self.extract(m)
            if m.optional:
                has = 'json_object_has_member(args, %s)' % q_str(m.name)
                call.append(has)
                call.append('%s ? %s : %s' % (has, expr, zero))
            else:
                call.append(expr)
        call.append('errp')
        lines = ',\n        '.join(call)
        if ent.returns is not None:
            self.c.append('    return qmp_%s(\n        %s);' % (cn, lines))
        else:
            self.c.append('    qmp_%s(\n        %s);' % (cn, lines))
            self.c.append('    return qapi_empty_return(errp);')
        self.c.append('}')
        self.c.append('')

    def gen_command_table(self):
        cmds = sorted(self.s.commands(), key=lambda e: e.name)
        self.c.append('const QmpCommand qmp_commands[] = {')
        for ent in cmds:
            ret = ent.returns
            ret_check = 'NULL' if ret is None else checker(ret)
            self.c.append('    { %s, qmp_marshal_%s, %s },'
                          % (q_str(ent.name), c_name(ent.name), ret_check))
        self.c.append('};')
        self.c.append('const size_t qmp_commands_count = %d;' % len(cmds))
        self.c.append('')

    # ---- events ----

    def gen_event(self, ent):
        cn = c_name(ent.name).lower()
        params = self.c_params(ent.members) or ['void']
        proto = 'void qapi_event_send_%s(%s)' % (cn, ', '.join(params))
        self.h.append(proto + ';')
        self.c.append(proto)
        self.c.append('{')
        if not ent.members:
            self.c.append('    monitor_qapi_event_emit(%s, NULL);'
                          % q_str(ent.name))
            self.c.append('}')
            self.c.append('')
            return
        self.c.append('    JsonObject *data = json_object_new();')
        self.c.append('')
        for m in ent.members:
            mc = c_name(m.name)
            t = m.type
            ind = '    '
            if m.optional:
                self.c.append('    if (has_%s) {' % mc)
                ind = '        '
            if t == 'bool':
                st = 'json_object_set_boolean_member(data, %s, %s);'
            elif t == 'str':
                st = 'json_object_set_string_member(data, %s, %s);'
            elif t in SCALAR_C and SCALAR_C[t] == 'double':
                st = 'json_object_set_double_member(data, %s, %s);'
            elif t in SCALAR_C:
                st = 'json_object_set_int_member(data, %s, %s);'
            elif self.is_enum(t):
                st = ('json_object_set_string_member(data, %%s, '
                      '%s_lookup[%%s]);' % c_name(t))
            else:
                st = 'json_object_set_member(data, %s, %s);'
            self.c.append(ind + st % (q_str(m.name), mc))
            if m.optional:
                self.c.append('    }')
        self.c.append('    monitor_qapi_event_emit(%s, data);'
                      % q_str(ent.name))
        self.c.append('}')
        self.c.append('')

    # ---- introspection ----

    def introspection(self):
        """The SchemaInfo list: every entity reachable from commands and
        events, with implicit argument types and array types."""
        out, seen = [], set()

        def ref(typ):
            if isinstance(typ, list):
                name = '[%s]' % ref(typ[0])
                if name not in seen:
                    seen.add(name)
                    out.append({'name': name, 'meta-type': 'array',
                                'element-type': ref(typ[0])})
                return name
            if typ in seen:
                return typ
            seen.add(typ)
            if typ in BUILTINS:
                out.append({'name': typ, 'meta-type': 'builtin',
                            'json-type': BUILTINS[typ]})
                return typ
            ent = self.s.get(typ)
            info = {'name': typ, 'meta-type': ent.meta}
            out.append(info)
            if ent.meta == 'enum':
                info['members'] = [{'name': v} for v in ent.values]
                info['values'] = list(ent.values)
            elif ent.meta == 'alternate':
                info['members'] = [{'type': ref(t)} for _, t in ent.variants]
            else:
                info['meta-type'] = 'object'
                info['members'] = members(ent.members)
                if ent.meta == 'union':
                    info['tag'] = ent.tag
                    info['variants'] = [{'case': c, 'type': ref(t)}
                                        for c, t in ent.variants]
            return typ

        def members(ms):
            res = []
            for m in ms:
                d = {'name': m.name, 'type': ref(m.type)}
                if m.optional:
                    d['default'] = None
                res.append(d)
            return res

        def arg_type(ent):
            name = self.implicit_arg_name(ent)
            if ent.arg_type:
                return ref(ent.arg_type)
            if name not in seen:
                seen.add(name)
                out.append({'name': name, 'meta-type': 'object',
                            'members': members(ent.members)})
            return name

        def arg_type_empty():
            if 'q_empty' not in seen:
                seen.add('q_empty')
                out.append({'name': 'q_empty', 'meta-type': 'object',
                            'members': []})
            return 'q_empty'

        for ent in self.s.order:
            if ent.meta == 'command':
                info = {'name': ent.name, 'meta-type': 'command',
                        'arg-type': arg_type(ent)}
                info['ret-type'] = ref(ent.returns) \
                    if ent.returns is not None else arg_type_empty()
                out.append(info)
            elif ent.meta == 'event':
                out.append({'name': ent.name, 'meta-type': 'event',
                            'arg-type': arg_type(ent)})

        return out

    def gen_implicit_checkers(self):
        done = set()
        for ent in self.s.order:
            if ent.meta not in ('command', 'event') or ent.arg_type:
                continue
            name = self.implicit_arg_name(ent)
            if name in done:
                continue
            done.add(name)
            fn = checker(name)
            self.h.append('bool %s(JsonNode *n, const char *name, '
                          'Error **errp);' % fn)
            self.gen_object_checker(fn, ent.members)

    def generate(self, hname):
        self.collect_lists()
        guard = 'QAPI_GENERATED_H'
        self.h += ['/* SPDX-License-Identifier: GPL-2.0-or-later */',
                   '/* Generated by scripts/qapi-gen.py; do not edit. */',
                   '#ifndef ' + guard, '#define ' + guard, '',
                   '#include <stdbool.h>', '#include <stdint.h>',
                   '#include <json-glib/json-glib.h>',
                   '#include "quokka/error.h"', '']
        self.c += ['/* SPDX-License-Identifier: GPL-2.0-or-later */',
                   '/* Generated by scripts/qapi-gen.py; do not edit. */',
                   '#include <string.h>',
                   '#include "qapi/qapi-runtime.h"',
                   '#include "%s"' % os.path.basename(hname), '']
        self.declare_checkers()
        for ent in self.s.order:
            gen = getattr(self, 'gen_' + ent.meta, None)
            if ent.meta in ('enum', 'struct', 'union', 'alternate'):
                gen(ent)
        for elem in self.lists:
            self.gen_list(elem)
        self.gen_implicit_checkers()
        self.h.append('')
        for ent in self.s.commands():
            self.gen_command(ent)
        self.gen_command_table()
        self.h.append('')
        for ent in self.s.events():
            self.gen_event(ent)
        intro = json.dumps(self.introspection(), separators=(',', ':'))
        self.c.append('const char qapi_introspection_json[] =')
        for i in range(0, len(intro), 70):
            self.c.append('    %s' % json.dumps(intro[i:i + 70]))
        self.c.append('    ;')
        self.h += ['', '#endif', '']
        return '\n'.join(self.h), '\n'.join(self.c) + '\n'


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: qapi-gen.py SCHEMA OUT.h OUT.c')
    try:
        schema = Schema(sys.argv[1])
    except Exception as e:      # a clear message, not a traceback
        sys.exit('qapi-gen: %s' % e)
    h, c = Gen(schema).generate(sys.argv[2])
    for path, text in ((sys.argv[2], h), (sys.argv[3], c)):
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


if __name__ == '__main__':
    main()
