import { describe, expect, it } from 'vitest';
import { Issues, normalizeApp } from '../../core/index.js';
import { fromApp, fromPod } from '../../plugins/constraints/constraint.js';
import { fieldValue, formatAttribute, formatScalar, type ConstraintAgent } from '../../plugins/constraints/field.js';
import { groupByAccepts, groupByKills } from '../../plugins/constraints/group-by.js';
import { accepts } from '../../plugins/constraints/operators.js';
import { checkConstraint } from '../../plugins/constraints/rules.js';
import type { AgentSpec } from '../../plugins/engine/settings.js';

/** An engine agent (all of AgentSpec: policies' sessions are handed the engine's agents). */
const agent = (
  hostname: string,
  attributes: Record<string, string | number> = {},
  domain: { region?: string; zone?: string } = {},
): ConstraintAgent & AgentSpec => ({
  id: hostname,
  hostname,
  attributes,
  ...domain,
  address: '127.0.1.1',
  role: '*',
  cpus: 1,
  mem: 1024,
  disk: 1024,
  ports: [31000, 31249],
});
const c = (...a: string[]) => fromApp(a)!;

describe('value formatting (marathon-semantics.md §2.2)', () => {
  it('scalars as 0.### with HALF_EVEN on the exact binary value', () => {
    expect(formatScalar(1.0005)).toBe('1');
    expect(formatScalar(1.00051)).toBe('1.001');
    expect(formatScalar(0.0625)).toBe('0.062'); // an exact tie rounds to even
    expect(formatScalar(0.1875)).toBe('0.188');
    expect(formatScalar(2)).toBe('2');
    expect(formatScalar(0.8)).toBe('0.8');
    expect(formatScalar(-1.5)).toBe('-1.5');
  });
  it('ranges sorted by begin, sets sorted, numeric text as scalars', () => {
    expect(formatAttribute('[5-9,1-3]')).toBe('[1-3,5-9]');
    expect(formatAttribute('{c,a,b}')).toBe('{a,b,c}');
    expect(formatAttribute('10.50')).toBe('10.5');
    expect(formatAttribute('rack-1')).toBe('rack-1');
  });
  it('hostname, @hostname, @region, @zone and attributes', () => {
    const a = agent('h1', { rack: 'r1' }, { region: 'eu', zone: 'eu-1' });
    expect([
      fieldValue(a, 'hostname'),
      fieldValue(a, '@hostname'),
      fieldValue(a, '@region'),
      fieldValue(a, '@zone'),
      fieldValue(a, 'rack'),
      fieldValue(a, 'nope'),
    ]).toEqual(['h1', 'h1', 'eu', 'eu-1', 'r1', undefined]);
  });
});

describe('operators (marathon-semantics.md §2.4)', () => {
  const h1 = agent('h1', { rack: 'r1', level: 0.8 });
  const h2 = agent('h2', { rack: 'r2', level: 1 });
  const bare = agent('h3');
  it('UNIQUE refuses a value already used', () => {
    expect(accepts(c('hostname', 'UNIQUE'), h1, [])).toBe(true);
    expect(accepts(c('hostname', 'UNIQUE'), h1, [h1])).toBe(false);
    expect(accepts(c('rack', 'UNIQUE'), h2, [h1])).toBe(true);
  });
  it('CLUSTER with a value pins it; without, follows the first placed task', () => {
    expect(accepts(c('rack', 'CLUSTER', 'r2'), h2, [])).toBe(true);
    expect(accepts(c('rack', 'CLUSTER', 'r2'), h1, [])).toBe(false);
    expect(accepts(c('rack', 'CLUSTER'), h2, [])).toBe(true);
    expect(accepts(c('rack', 'CLUSTER'), h2, [h1])).toBe(false);
    expect(accepts(c('rack', 'CLUSTER'), h1, [h1])).toBe(true);
  });
  it('LIKE and UNLIKE match the whole value', () => {
    expect(accepts(c('rack', 'LIKE', 'r[12]'), h1, [])).toBe(true);
    expect(accepts(c('rack', 'LIKE', 'r'), h1, [])).toBe(false); // anchored, as Java's matches
    expect(accepts(c('rack', 'UNLIKE', 'r1'), h1, [])).toBe(false);
    expect(accepts(c('rack', 'UNLIKE', 'r1'), h2, [])).toBe(true);
  });
  it('a missing attribute satisfies only UNLIKE', () => {
    for (const op of [['UNIQUE'], ['CLUSTER', 'r1'], ['GROUP_BY'], ['LIKE', '.*'], ['MAX_PER', '5'], ['IS', 'r1']]) {
      expect(accepts(c('rack', ...op), bare, []), op[0]).toBe(false);
    }
    expect(accepts(c('rack', 'UNLIKE', 'r1'), bare, [])).toBe(true);
  });
  it('MAX_PER counts placed tasks per value', () => {
    expect(accepts(c('rack', 'MAX_PER', '2'), h1, [h1])).toBe(true);
    expect(accepts(c('rack', 'MAX_PER', '2'), h1, [h1, h1])).toBe(false);
    expect(accepts(c('rack', 'MAX_PER', '2'), h2, [h1, h1])).toBe(true);
  });
  it('IS compares scalars after formatting the constraint value', () => {
    for (const v of ['0.8', '0.80', '0.8001']) expect(accepts(c('level', 'IS', v), h1, []), v).toBe(true);
    expect(accepts(c('level', 'IS', '1.0'), h2, [])).toBe(true);
    expect(accepts(c('level', 'IS', '0.9'), h1, [])).toBe(false);
    expect(accepts(c('rack', 'IS', 'r1'), h1, [])).toBe(true);
  });
  it('operators are upper-cased; pods use the object form', () => {
    expect(fromApp(['hostname', 'unique'])).toEqual({ field: 'hostname', operator: 'UNIQUE' });
    expect(fromPod({ fieldName: 'rack', operator: 'group_by', value: '2' })).toEqual({
      field: 'rack',
      operator: 'GROUP_BY',
      value: '2',
    });
  });
});

describe('GROUP_BY 1.10 (marathon-semantics.md §2.5)', () => {
  it('a new value is always accepted; a used one only at the smallest count and with enough groups', () => {
    expect(groupByAccepts('a', [], undefined)).toBe(true);
    expect(groupByAccepts('a', ['a'], undefined)).toBe(true); // one group, min 0: stacking allowed
    expect(groupByAccepts('a', ['a'], '2')).toBe(false); // waits for a second value
    expect(groupByAccepts('b', ['a'], '2')).toBe(true);
    expect(groupByAccepts('a', ['a', 'b'], '2')).toBe(true);
    expect(groupByAccepts('a', ['a', 'a', 'b'], '2')).toBe(false);
  });
  it('scale-down kills from the largest groups until the spread is at most 1', () => {
    const r1 = agent('h1', { rack: 'r1' });
    const r2 = agent('h2', { rack: 'r2' });
    const tasks = [
      { instanceId: 'a', agent: r1 },
      { instanceId: 'b', agent: r1 },
      { instanceId: 'c', agent: r1 },
      { instanceId: 'd', agent: r1 },
      { instanceId: 'e', agent: r2 },
      { instanceId: 'f', agent: r2 },
    ];
    const picked = groupByKills([c('rack', 'GROUP_BY')], tasks, 3);
    const left = tasks.filter((t) => !picked.includes(t.instanceId));
    const perRack = (r: string) => left.filter((t) => t.agent.attributes.rack === r).length;
    expect(picked).toHaveLength(3);
    expect(Math.abs(perRack('r1') - perRack('r2'))).toBeLessThanOrEqual(1);
    expect(picked.slice(0, 2)).toEqual(['a', 'b']); // the kill order decides inside a group
    expect(groupByKills([c('hostname', 'UNIQUE')], tasks, 2)).toEqual([]); // only GROUP_BY chooses
  });
});

describe('validation messages (marathon-semantics.md §2.6)', () => {
  const msg = (...a: string[]) => checkConstraint(fromApp(a)!)?.message;
  it("are Marathon's own", () => {
    expect(msg('', 'UNIQUE')).toBe('missing field for constraint declaration');
    expect(msg('hostname', 'UNIQUE', 'x')).toBe('UNIQUE does not accept a value');
    expect(msg('rack', 'GROUP_BY', 'two')).toBe('GROUP BY must define an integer value or else no value at all');
    expect(msg('rack', 'GROUP_BY', '2')).toBeUndefined();
    expect(msg('rack', 'MAX_PER')).toBe('MAX_PER requires an integer value');
    expect(msg('rack', 'LIKE')).toBe('LIKE and UNLIKE require a non-empty, regular expression value');
    expect(msg('rack', 'UNLIKE', '[')).toBe("'[' is not a valid regular expression");
    expect(msg('rack', 'IS', 'a b')).toMatch(/^IS only supports Mesos text and float values/);
    expect(msg('rack', 'NEAR')).toBe(
      'operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS',
    );
    expect(msg('rack', 'CLUSTER')).toBeUndefined();
  });
});

describe('the incremental session agrees with the plain rules', () => {
  it('on random agents, constraints and placements', async () => {
    const { ConstraintSession } = await import('../../plugins/constraints/session.js');
    let seed = 42;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pool = Array.from({ length: 12 }, (_, k) =>
      agent(`h${k}`, {
        ...(rnd(4) ? { rack: `r${rnd(3)}` } : {}),
        ...(rnd(3) ? { level: [0.8, 1, 1.0005][rnd(3)] } : {}),
      }),
    );
    const kinds: string[][] = [
      ['hostname', 'UNIQUE'],
      ['rack', 'UNIQUE'],
      ['rack', 'CLUSTER'],
      ['rack', 'CLUSTER', 'r1'],
      ['rack', 'GROUP_BY'],
      ['rack', 'GROUP_BY', '3'],
      ['rack', 'LIKE', 'r[01]'],
      ['rack', 'UNLIKE', 'r1'],
      ['rack', 'MAX_PER', '2'],
      ['level', 'IS', '1'],
      ['level', 'IS', '0.80'],
    ];
    for (let round = 0; round < 300; round++) {
      const cs = [kinds[rnd(kinds.length)], ...(rnd(2) ? [kinds[rnd(kinds.length)]] : [])].map((k) => fromApp(k)!);
      const placed = Array.from({ length: rnd(8) }, () => pool[rnd(pool.length)]);
      const s = new ConstraintSession(cs, placed);
      for (const a of pool) {
        const plain = cs.every((c) => accepts(c, a, placed));
        expect(s.reject(a) === undefined, `${JSON.stringify(cs)} on ${a.id} after ${placed.map((p) => p.id)}`).toBe(
          plain,
        );
      }
    }
  });
});

describe('fault domain default (marathon-semantics.md §2.2)', () => {
  it('only the local region is used unless a constraint names @region or @zone', async () => {
    const { constraintsPolicy } = await import('../../plugins/constraints/policy.js');
    const home = agent('h1', {}, { region: 'eu', zone: 'eu-1' });
    const away = agent('h2', {}, { region: 'us', zone: 'us-1' });
    const policy = constraintsPolicy([home, away]);
    const app = (constraints: string[][]) => normalizeApp({ id: '/x', cmd: 'x', constraints }, new Issues());
    expect(policy.session(app([]), [])?.reject(away)).toBe('@region:eu (default)');
    expect(policy.session(app([]), [])?.reject(home)).toBeUndefined();
    expect(policy.session(app([['@region', 'LIKE', 'us|eu']]), [])?.reject(away)).toBeUndefined();
    expect(policy.session(app([['@zone', 'UNIQUE']]), [])?.reject(away)).toBeUndefined();
  });
});
