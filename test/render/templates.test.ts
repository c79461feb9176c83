import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTemplate, renderObject } from '../../lib/render/templates.js';

// A manifest's `{{json value}}` carries the value as JSON would (JSON.parse(JSON.stringify(value))):
// render copies plain data itself (a job's SQL is large), and must give exactly JSON's result.
const root = mkdtempSync(path.join(tmpdir(), 'flinkops-templates-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(path.join(root, 'templates', 'manifests'), { recursive: true });
writeFileSync(
  path.join(root, 'templates', 'manifests', 'value.yaml.hbs'),
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: ns\ndata: {{json value}}\n',
);
const template = loadTemplate(root, 'manifests/value.yaml.hbs', 'yaml');
const expected = { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', namespace: 'ns' };
const data = (value: unknown) => renderObject(template, { value }, expected).data;

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [2] });

describe('{{json value}} in a manifest', () => {
  it.each([
    ['a long multi-line string', `SELECT 1;\n${'x'.repeat(100_000)}\n\ud800 lone surrogate`],
    ['numbers JSON cannot write', [Number.NaN, Number.POSITIVE_INFINITY, -Number.MAX_VALUE, 1.5]],
    ['undefined and functions in objects and arrays', { a: undefined, b: () => 1, c: [undefined, () => 1, 3] }],
    ['nested objects, key order kept', { z: { y: [{ x: null, w: true }] }, a: '', 10: 'ten', 2: 'two' }],
    ['a Date (toJSON)', { at: new Date(Date.UTC(2026, 11, 1)) }],
    ['a class instance and a Map', { p: new Point(1, 2), m: new Map([['k', 1]]) }],
    ['an object without a prototype', nullProto],
  ])('%s: the same as a JSON round trip', (_, value) => {
    expect(data(value)).toStrictEqual(JSON.parse(JSON.stringify(value)));
  });

  it('writes -0 as 0, as JSON does', () => {
    expect(Object.is(data(-0), 0)).toBe(true);
    expect(Object.is((data([-0]) as number[])[0], 0)).toBe(true);
  });

  it('copies: the rendered object shares nothing with the value', () => {
    const value = { list: [{ a: 1 }] };
    const got = data(value) as typeof value;
    expect(got).toStrictEqual(value);
    expect(got).not.toBe(value);
    expect(got.list[0]).not.toBe(value.list[0]);
  });

  it('a `__proto__` key stays an own key, as JSON.parse makes it', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const got = data(value) as Record<string, unknown>;
    expect(Object.hasOwn(got, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(got).toStrictEqual(JSON.parse(JSON.stringify(value)));
  });

  it('a cyclic value fails with the template named, as before', () => {
    const value: Record<string, unknown> = { a: 1 };
    value.self = value;
    expect(() => data(value)).toThrow(/circular.*rendering ConfigMap ns\/x/is);
  });
});

describe('a manifest template renders its shape once and its values each time', () => {
  const write = (name: string, text: string) => {
    writeFileSync(path.join(root, 'templates', 'manifests', name), text);
    return loadTemplate(root, `manifests/${name}`, 'yaml');
  };
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: ns\n';

  it('the same shape twice: each object gets its own values, in place', () => {
    const t = write('shape.yaml.hbs', `${head}data:\n  a: {{json a}}\n  list: [{{json b}}, 1]\n`);
    const first = renderObject(t, { a: 'one', b: { n: 1 } }, expected);
    const second = renderObject(t, { a: 'two', b: { n: 2 } }, expected);
    expect(first.data).toStrictEqual({ a: 'one', list: [{ n: 1 }, 1] });
    expect(second.data).toStrictEqual({ a: 'two', list: [{ n: 2 }, 1] });
  });

  it('a value as a key is read; the same key twice is refused, on every render', () => {
    const t = write('keys.yaml.hbs', `${head}data:\n  {{json a}}: 1\n  {{json b}}: 2\n`);
    expect(renderObject(t, { a: 'k', b: 'l' }, expected).data).toStrictEqual({ k: 1, l: 2 });
    for (let i = 0; i < 2; i++)
      expect(() => renderObject(t, { a: 'k', b: 'k' }, expected)).toThrow(/key "k" is written twice/);
  });

  it('a value inside a larger text, or where YAML reads no value, is refused', () => {
    const inside = write('inside.yaml.hbs', `${head}data:\n  a: x{{json a}}\n`);
    expect(() => renderObject(inside, { a: 'v' }, expected)).toThrow(/inside a larger text/);
    const comment = write('comment.yaml.hbs', `${head}data:\n  a: 1 # {{json a}}\n`);
    expect(() => renderObject(comment, { a: 'v' }, expected)).toThrow(/where YAML does not read it as a value/);
  });
});
