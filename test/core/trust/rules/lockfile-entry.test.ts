import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildProject } from '../../../../src/core/project';
import { lockfileEntryRule } from '../../../../src/core/trust/rules/lockfile-entry';
import { fromRegistry } from '../../../../src/core/trust/scope';
import { requireSharedFixtures } from '../../../support/fixtures';

/** Every file of a real project's dependency files, as the engine reads them (package.json files, lockfiles, workspace yaml). */
function readProject(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else files.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  walk('');
  return files;
}

/**
 * Quiet on healthy projects: the lockfile-entry signals (resolved-mismatch, integrity-missing) say nothing about the
 * lockfiles of ten real open-source projects, whose every entry installs what it names, with a hash.
 */
describe('resolved-mismatch and integrity-missing are quiet on real lockfiles', () => {
  it('no finding on any registry entry of the ten real projects', function () {
    this.timeout(60_000);
    const root = requireSharedFixtures(this, 'lockfiles/real');
    const loud: string[] = [];
    let checked = 0;
    for (const project of fs.readdirSync(root)) {
      const model = buildProject(project, readProject(path.join(root, project)));
      for (const p of (model.lockfile?.packages ?? []).filter(fromRegistry)) {
        checked++;
        const found = lockfileEntryRule({
          name: p.name,
          version: p.version,
          locked: { integrity: p.integrity, resolved: p.resolved, source: p.source, bundled: p.bundled, conditional: !!p.conditions },
          registry: { url: 'https://registry.npmjs.org/', trustData: true, hasKeys: true },
          configuredHosts: ['registry.npmjs.org'],
          advisories: [],
          now: new Date(),
          cooldownMs: 0,
        });
        for (const f of found) loud.push(`${project}: ${f.code} ${p.name}@${p.version} (${p.resolved ?? 'no resolved'})`);
      }
    }
    assert.ok(checked > 15_000, String(checked));
    assert.deepEqual(loud, []);
  });
});
