import { strict as assert } from 'node:assert';
import { MAX_JSON_NESTING } from '../../src/core/json-keys';
import { parseManifest } from '../../src/core/manifest';

/** Offset → text it points at, to assert ranges by content rather than by counting. */
function at(text: string, r: { startOffset: number; endOffset: number }): string {
  return text.slice(r.startOffset, r.endOffset);
}

describe('package.json', () => {
  const text = `{
  "name": "demo",
  "version": "1.0.0",
  "dependencies": {
    "express": "^4.21.0",
    "chalk-alias": "npm:chalk@^5.3.0",
    "lib": "github:user/lib#v1",
    "local": "file:../local",
    "linked": "link:../linked",
    "ws": "workspace:*",
    "tarball": "https://example.com/t.tgz",
    "beta": "next"
  },
  "devDependencies": { "mocha": "10.0.0" },
  "optionalDependencies": { "fsevents": "^2" },
  "peerDependencies": { "react": ">=18" },
  "bundleDependencies": ["express"],
  "overrides": { "minimist": "1.2.8", "foo": { ".": "2.0.0", "bar": "$bar" } },
  "resolutions": { "**/lodash": "4.17.21" },
  "pnpm": { "overrides": { "a>b": "1.0.0" } },
  "workspaces": ["packages/*"],
  "packageManager": "npm@11.0.0"
}
`;
  const m = parseManifest(text);

  it('reads every section with exact key and value ranges', () => {
    assert.equal(m.name, 'demo');
    assert.equal(m.problems.length, 0);
    const express = m.dependencies.find((d) => d.name === 'express' && d.section === 'dependencies')!;
    assert.equal(at(text, express.keyRange), '"express"');
    assert.equal(at(text, express.valueRange), '"^4.21.0"');
    assert.deepEqual(express.keyRange.start, { line: 4, character: 4 });
    assert.deepEqual(express.valueRange.start, { line: 4, character: 15 });
    const mocha = m.dependencies.find((d) => d.name === 'mocha')!;
    assert.equal(mocha.section, 'devDependencies');
    assert.deepEqual(mocha.valueRange.start, { line: 13, character: 32 });
    assert.ok(m.sectionRanges.dependencies);
  });

  it('classifies specs: aliases, git, file, link, workspace, remote, tags', () => {
    const type = (n: string) => m.dependencies.find((d) => d.name === n && d.section === 'dependencies')!.spec;
    assert.deepEqual(type('chalk-alias'), { type: 'alias', raw: 'npm:chalk@^5.3.0', registryName: 'chalk', range: '^5.3.0' });
    assert.equal(type('lib').type, 'git');
    assert.equal(type('local').type, 'file');
    assert.equal(type('linked').type, 'link');
    assert.equal(type('ws').type, 'workspace');
    assert.equal(type('tarball').type, 'remote');
    assert.deepEqual(type('beta'), { type: 'tag', raw: 'next', registryName: 'beta', range: 'next' });
    assert.equal(type('express').type, 'range');
  });

  it('reads overrides (nested, with "."), resolutions, pnpm.overrides, bundleDependencies and workspaces', () => {
    const o = m.dependencies.filter((d) => d.section === 'overrides').map((d) => [d.name, d.spec.raw, d.overridePath ?? []]);
    assert.deepEqual(o, [
      ['minimist', '1.2.8', []],
      ['foo', '2.0.0', []],
      ['bar', '$bar', ['foo']],
    ]);
    assert.deepEqual(
      m.dependencies.filter((d) => d.section === 'resolutions').map((d) => d.name),
      ['**/lodash'],
    );
    assert.deepEqual(
      m.dependencies.filter((d) => d.section === 'pnpm.overrides').map((d) => d.name),
      ['a>b'],
    );
    const bundled = m.dependencies.find((d) => d.section === 'bundleDependencies')!;
    assert.equal(at(text, bundled.keyRange), '"express"');
    assert.deepEqual(m.workspaces, ['packages/*']);
    assert.equal(m.packageManager, 'npm@11.0.0');
  });

  it('reads yarn classic { packages: [...] } workspaces', () => {
    assert.deepEqual(parseManifest('{"workspaces":{"packages":["a","b/*"]}}').workspaces, ['a', 'b/*']);
  });

  it('keeps what it could read from a truncated file and says where it broke', () => {
    const cut = text.slice(0, text.indexOf('"devDependencies"') + 20);
    const t = parseManifest(cut);
    assert.ok(t.dependencies.some((d) => d.name === 'express'));
    assert.ok(t.dependencies.some((d) => d.name === 'beta'));
    assert.ok(t.problems.length > 0);
    const p = t.problems[0];
    assert.equal(p.code, 'invalid-json');
    assert.equal(p.range.start.line, 13);
    assert.match(p.message, /Invalid JSON/);
  });

  it('reports values of the wrong type with their position and goes on', () => {
    const bad = '{\n  "dependencies": { "a": 1, "b": "^1" },\n  "devDependencies": []\n}';
    const t = parseManifest(bad);
    assert.deepEqual(
      t.dependencies.map((d) => d.name),
      ['b'],
    );
    assert.deepEqual(
      t.problems.map((p) => [p.code, p.range.start.line, p.range.start.character]),
      [
        ['unexpected-type', 1, 25],
        ['unexpected-type', 2, 21],
      ],
    );
  });

  it('never throws on junk', () => {
    for (const junk of ['', '[]', '"x"', '{', '}', 'null', '\u0000\u0001', '{"dependencies":', '{"a":{"b":{"c":']) {
      const r = parseManifest(junk);
      assert.ok(Array.isArray(r.dependencies));
    }
    assert.equal(parseManifest('[]').problems[0].code, 'unexpected-type');
    assert.equal(parseManifest('').problems[0].code, 'invalid-json');
  });

  it('tolerates comments and trailing commas (as editors write package.json)', () => {
    const r = parseManifest('{\n // c\n "dependencies": { "a": "1.0.0", },\n}');
    assert.deepEqual(
      r.dependencies.map((d) => d.name),
      ['a'],
    );
  });
  it('reads overrides nested up to the JSON limit (the reader recurses once per level, so the limit bounds it), and refuses deeper', () => {
    const nested = (levels: number) => `{"overrides": ${'{"a": '.repeat(levels)}"1.0.0"${'}'.repeat(levels)}}`;
    const deepest = parseManifest(nested(MAX_JSON_NESTING - 2));
    assert.deepEqual(deepest.problems, []);
    assert.equal(deepest.dependencies.length, 1);
    assert.equal(deepest.dependencies[0].overridePath!.length, MAX_JSON_NESTING - 3);
    for (const text of [nested(50_000), `// a comment sends this down the tolerant path\n${nested(50_000)}`]) {
      const refused = parseManifest(text);
      assert.deepEqual(refused.dependencies, []);
      assert.match(refused.problems[0].message, /nests more than 1000 levels/);
    }
  });
});
