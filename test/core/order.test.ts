import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalOrder, type OrderInput } from '../../src/core/order.js';
import { versionKey } from '../../src/core/version.js';

/** A node keyed by its version key, as buildState passes them. */
const node = (version: string, ...dependsOn: string[]): OrderInput => ({ key: versionKey(version), version, dependsOn: dependsOn.map(versionKey) });

describe('canonicalOrder', () => {
  test('orders migrations without dependencies by version', () => {
    const result = canonicalOrder([node('010'), node('002'), node('001_2024'), node('001')]);
    assert.deepEqual(result.order, ['1', '1_2024', '2', '10']);
    assert.deepEqual(result.cycles, []);
  });

  test('returns nothing for no migrations', () => {
    assert.deepEqual(canonicalOrder([]), { order: [], cycles: [] });
  });

  test('moves a dependency with a higher version ahead of its dependent', () => {
    const result = canonicalOrder([node('001'), node('002', '003'), node('003'), node('004')]);
    assert.deepEqual(result.order, ['1', '3', '2', '4']);
  });

  test('takes the lowest ready version at each step, not a depth-first walk', () => {
    // 005 waits on 006; once 006 is taken, 005 (lower) comes before 007.
    const result = canonicalOrder([node('007'), node('006'), node('005', '006'), node('001')]);
    assert.deepEqual(result.order, ['1', '6', '5', '7']);
  });

  test('pulls a chain of higher-versioned dependencies ahead in dependency order', () => {
    const result = canonicalOrder([node('001', '009'), node('009', '008'), node('008'), node('002')]);
    assert.deepEqual(result.order, ['2', '8', '9', '1']);
  });

  test('waits for every dependency of a migration', () => {
    const result = canonicalOrder([node('001', '004', '003'), node('003'), node('004'), node('002')]);
    assert.deepEqual(result.order, ['2', '3', '4', '1']);
  });

  test('ignores dependencies that are not among the nodes', () => {
    const result = canonicalOrder([node('002', '099'), node('001')]);
    assert.deepEqual(result.order, ['1', '2']);
    assert.deepEqual(result.cycles, []);
  });

  test('counts a dependency listed twice once', () => {
    const result = canonicalOrder([node('001', '003', '003'), node('003'), node('002')]);
    assert.deepEqual(result.order, ['2', '3', '1']);
    assert.deepEqual(result.cycles, []);
  });

  test('reports a two-member cycle with its members and still lists every node', () => {
    const result = canonicalOrder([node('001'), node('002', '003'), node('003', '002'), node('004')]);
    assert.equal(result.cycles.length, 1);
    assert.deepEqual([...result.cycles[0]!].sort(), ['2', '3']);
    assert.deepEqual(result.order, ['1', '4', '2', '3']);
  });

  test('reports a three-member cycle in dependency order', () => {
    const result = canonicalOrder([node('001', '003'), node('002', '001'), node('003', '002')]);
    assert.equal(result.cycles.length, 1);
    const cycle = result.cycles[0]!;
    assert.deepEqual([...cycle].sort(), ['1', '2', '3']);
    // Each member depends on the next (the first repeated at the end is implied).
    const deps = new Map([['1', '3'], ['2', '1'], ['3', '2']]);
    cycle.forEach((key, i) => assert.equal(deps.get(key), cycle[(i + 1) % cycle.length]));
  });

  test('reports a migration that depends on itself as a cycle of one', () => {
    const result = canonicalOrder([node('001', '001'), node('002')]);
    assert.deepEqual(result.cycles, [['1']]);
    assert.deepEqual(result.order, ['2', '1']);
  });

  test('does not report a migration that only waits on a cycle as a member of it', () => {
    const result = canonicalOrder([node('001', '002'), node('002', '003'), node('003', '002'), node('004', '001')]);
    assert.equal(result.cycles.length, 1);
    assert.deepEqual([...result.cycles[0]!].sort(), ['2', '3']);
    assert.deepEqual(result.order, ['1', '2', '3', '4']);
  });

  test('reports two separate cycles separately', () => {
    const result = canonicalOrder([node('001', '002'), node('002', '001'), node('005', '006'), node('006', '005'), node('003')]);
    assert.deepEqual(result.cycles.map((c) => [...c].sort()).sort(), [['1', '2'], ['5', '6']]);
    assert.equal(result.order[0], '3');
  });

  // How fast it is belongs to bench/ (the 10,000-migration apply and its growth), not here:
  // a timed assertion fails on a loaded machine and proves nothing on a quiet one.
  test('orders 10,000 migrations given in reverse by version', () => {
    const nodes: OrderInput[] = [];
    for (let i = 10_000; i >= 1; i--) nodes.push(node(String(i).padStart(5, '0')));
    const result = canonicalOrder(nodes);
    assert.equal(result.order.length, 10_000);
    assert.deepEqual(result.order, Array.from({ length: 10_000 }, (_, i) => String(i + 1)));
  });

  test('orders 10,000 migrations with dependencies so each follows all it depends on', () => {
    // Each even version depends on the odd version above it (a higher version); each odd one on the odd one below.
    const nodes: OrderInput[] = [];
    for (let i = 1; i <= 10_000; i++) {
      const deps: string[] = [];
      if (i % 2 === 0 && i < 10_000) deps.push(String(i + 1));
      if (i % 2 === 1 && i > 1) deps.push(String(i - 2));
      nodes.push(node(String(i), ...deps));
    }
    const result = canonicalOrder(nodes);
    assert.deepEqual(result.cycles, []);
    assert.equal(new Set(result.order).size, 10_000);
    const position = new Map(result.order.map((k, i) => [k, i]));
    for (const n of nodes) for (const d of n.dependsOn) assert.ok(position.get(d)! < position.get(n.key)!, `${d} before ${n.key}`);
    assert.deepEqual(result.order.slice(0, 5), ['1', '3', '2', '5', '4']);
  });
});
