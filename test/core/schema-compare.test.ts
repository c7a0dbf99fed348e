/** The schema model's pure parts: load order, the script, and the object-by-object comparison. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareSchemas, orderSchema, schemaScript, type SchemaObject } from '../../src/core/schema.js';

const obj = (type: string, name: string, sql = `CREATE ${type.toUpperCase()} ${name};`, extra: Partial<SchemaObject> = {}): SchemaObject => ({ type, name, sql, ...extra });
const names = (objects: readonly SchemaObject[]) => objects.map((o) => `${o.type} ${o.name}`);

describe('orderSchema', () => {
  test('puts kinds in load order and names in code-point order, whatever order they were read in', () => {
    const objects = [obj('trigger', 't1', undefined, { table: 'b' }), obj('view', 'v'), obj('table', 'b'), obj('index', 'a_idx', undefined, { table: 'a' }), obj('table', 'a'), obj('type', 'mood'), obj('table', 'B')];
    assert.deepEqual(names(orderSchema(objects)), ['type mood', 'table B', 'table a', 'table b', 'index a_idx', 'view v', 'trigger t1']);
  });

  test('puts an object after what it depends on, across kinds (a table whose check calls a function after it)', () => {
    const objects = [obj('function', 'f()', undefined, { dependsOn: ['table t'] }), obj('table', 't'), obj('table', 'u', undefined, { dependsOn: ['function f()'] }), obj('view', 'a', undefined, { dependsOn: ['view b'] }), obj('view', 'b')];
    assert.deepEqual(names(orderSchema(objects)), ['table t', 'function f()', 'table u', 'view b', 'view a']);
  });

  test('breaks a dependency cycle instead of losing objects, the same way every time', () => {
    const objects = [obj('function', 'b()', undefined, { dependsOn: ['function a()'] }), obj('function', 'a()', undefined, { dependsOn: ['function b()'] }), obj('table', 't')];
    // The table waits on nothing: it goes first; then the cycle is broken at its first member.
    assert.deepEqual(names(orderSchema(objects)), ['table t', 'function a()', 'function b()']);
  });

  test('the order depends on the objects only, and puts every dependency first when there is no cycle (property)', () => {
    const kinds = ['table', 'index', 'view', 'function', 'trigger'];
    const specs = fc.uniqueArray(
      fc.record({ type: fc.constantFrom(...kinds), name: fc.stringMatching(/^[a-e]{1,2}$/), deps: fc.array(fc.stringMatching(/^[a-e]{1,2}$/), { maxLength: 3 }) }),
      { selector: (o) => `${o.type} ${o.name}`, maxLength: 25 },
    );
    fc.assert(
      fc.property(specs, fc.integer({ min: 1, max: 1000 }), (list, seed) => {
        // Each object depends only on views of a greater name: no cycle is possible.
        const objects = list.map((s) => obj(s.type, s.name, 'x;', { dependsOn: s.deps.filter((d) => d > s.name).map((d) => `view ${d}`) }));
        const shuffled = [...objects].sort((a, b) => ((a.name.charCodeAt(0) * seed) % 7) - ((b.name.charCodeAt(0) * seed) % 7) || (a.type < b.type ? -1 : 1));
        const ordered = orderSchema(objects);
        assert.deepEqual(names(orderSchema(shuffled)), names(ordered));
        assert.equal(ordered.length, objects.length);
        const position = new Map(names(ordered).map((key, i) => [key, i]));
        for (const o of ordered) {
          for (const dep of o.dependsOn ?? []) {
            if (position.has(dep)) assert.ok(position.get(dep)! < position.get(`${o.type} ${o.name}`)!, `${o.type} ${o.name} comes after ${dep}`);
          }
        }
      }),
    );
  });
});

describe('schemaScript', () => {
  test('starts with the preamble and separates objects by a blank line, with nothing about where or when', () => {
    const script = schemaScript({ preamble: ['SET check_function_bodies = false;'], objects: [obj('table', 't', 'CREATE TABLE t (a int);'), obj('trigger', 'x', 'CREATE TRIGGER x …;', { script: 'DELIMITER ;;\nCREATE TRIGGER x …;;\nDELIMITER ;' })] });
    assert.equal(script, '-- Schema dumped by strata (`strata dump`): load it into an empty database.\n\nSET check_function_bodies = false;\n\nCREATE TABLE t (a int);\n\nDELIMITER ;;\nCREATE TRIGGER x …;;\nDELIMITER ;\n');
    assert.doesNotMatch(script, /\d{4}-\d\d-\d\d/);
  });

  test('an empty schema is the header alone, without the preamble', () => {
    assert.equal(schemaScript({ preamble: ['SET x = 1;'], objects: [] }), '-- Schema dumped by strata (`strata dump`): load it into an empty database.\n');
  });
});

describe('compareSchemas', () => {
  const expected = [obj('table', 'users', 'CREATE TABLE users (id int);'), obj('index', 'users_email', 'CREATE INDEX users_email ON users (email);'), obj('view', 'active', 'CREATE VIEW active AS SELECT 1;')];

  test('two equal schemas have no differences', () => {
    assert.deepEqual(compareSchemas(expected, [...expected].reverse()), []);
  });

  test('finds what was added, removed and changed, object by object, with both SQL texts', () => {
    const actual = [obj('table', 'users', 'CREATE TABLE users (id int, note text);'), obj('view', 'active', 'CREATE VIEW active AS SELECT 1;'), obj('table', 'audit', 'CREATE TABLE audit (id int);')];
    assert.deepEqual(compareSchemas(expected, actual), [
      { object: 'users', type: 'table', change: 'changed', expected: 'CREATE TABLE users (id int);', actual: 'CREATE TABLE users (id int, note text);' },
      { object: 'users_email', type: 'index', change: 'removed', expected: 'CREATE INDEX users_email ON users (email);', actual: null },
      { object: 'audit', type: 'table', change: 'added', expected: null, actual: 'CREATE TABLE audit (id int);' },
    ]);
  });

  test('matches objects by type and name: a view and a table of one name are two objects', () => {
    assert.deepEqual(compareSchemas([obj('table', 'x')], [obj('view', 'x')]).map((d) => [d.type, d.change]), [['table', 'removed'], ['view', 'added']]);
  });
});
