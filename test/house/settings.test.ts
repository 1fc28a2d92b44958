import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../support/fixtures';

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const extensionSources = () =>
  fs
    .readdirSync(path.join(PROJECT_ROOT, 'src/extension'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => read(`src/extension/${f}`))
    .join('\n');

/**
 * A setting the extension contributes but never reads is a promise that does nothing (`trustlens.cacheTtlMinutes`
 * was passed to the service and never used): every contributed setting is read by the extension, and every setting
 * the extension sends to the service is read by the service.
 */
describe('the house: every setting is read and used', () => {
  const sections: { title: string; properties: Record<string, unknown> }[] = JSON.parse(read('package.json')).contributes.configuration;
  const contributed = sections.flatMap((s) => Object.keys(s.properties));

  it('every trustlens.* setting in package.json is read by src/extension', () => {
    const sources = extensionSources();
    assert.ok(contributed.length >= 10);
    const unread = contributed.filter((key) => !new RegExp(`\\.get(<.*?>)?\\('${key.slice('trustlens.'.length).replace(/\./g, '\\.')}'`).test(sources));
    assert.deepEqual(unread, []);
  });

  it('every field of the settings the extension sends is read by the service', () => {
    const protocol = read('src/protocol/service.ts');
    const body = /export interface ServiceSettings \{([\s\S]*?)\n\}/.exec(protocol)![1];
    const fields = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
    assert.ok(fields.length >= 10, fields.join());
    const server = ['src/service/server.ts', 'src/service/check-options.ts'].map(read).join('\n');
    assert.deepEqual(
      fields.filter((f) => !new RegExp(`settings\\.${f}\\b`).test(server)),
      [],
    );
  });

  it('settings come in titled sections, each key once', () => {
    assert.ok(sections.length > 1 && sections.every((s) => /^TrustLens: /.test(s.title)));
    assert.equal(new Set(contributed).size, contributed.length);
  });

  it('every restricted configuration is a contributed setting', () => {
    const pkg = JSON.parse(read('package.json'));
    for (const key of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations) assert.ok(contributed.includes(key), key);
  });

  it('every setting is restricted: in Restricted Mode the workspace cannot set any of them', () => {
    // Each one changes what is looked at, how findings are rated or shown, or how long an answer is believed: a
    // repository's .vscode/settings.json could quiet TrustLens with any of them (diagnosticSeverity malware: none,
    // online: false, evaluationTime in the future…). A harmless setting would be listed here, with its reason.
    const harmless: string[] = [];
    const pkg = JSON.parse(read('package.json'));
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    assert.deepEqual(
      contributed.filter((k) => !restricted.includes(k) && !harmless.includes(k)),
      [],
    );
  });
});
