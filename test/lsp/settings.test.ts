import { strict as assert } from 'node:assert';
import { diagnosticLevel, mergeSettings, serviceSettingsFrom, trustlensSection } from '../../src/lsp/settings';

/** The `trustlens` settings an editor sends to `trustlens lsp`, read as the extension reads `trustlens.*`. */
describe('trustlens lsp settings', () => {
  it('finds the section: { trustlens }, { settings: { trustlens } } or the object itself', () => {
    assert.deepEqual(trustlensSection({ trustlens: { registry: 'a' } }), { registry: 'a' });
    assert.deepEqual(trustlensSection({ settings: { trustlens: { registry: 'b' } } }), { registry: 'b' });
    assert.deepEqual(trustlensSection({ registry: 'c' }), { registry: 'c' });
    assert.deepEqual(trustlensSection(null), {});
    assert.deepEqual(trustlensSection(['x']), {});
  });

  it('reads nested objects and dotted keys alike, with the extension defaults', () => {
    const nested = serviceSettingsFrom({
      registry: 'http://r/',
      evaluationTime: '2025-06-01T12:00:00Z',
      sigstoreTrustedRoot: '/root.json',
      advisories: { sources: ['osv'], osvDirectory: '/osv' },
    });
    const dotted = serviceSettingsFrom({
      registry: 'http://r/',
      evaluationTime: '2025-06-01T12:00:00Z',
      sigstoreTrustedRoot: '/root.json',
      'advisories.sources': ['osv'],
      'advisories.osvDirectory': '/osv',
    });
    assert.deepEqual(nested, dotted);
    assert.deepEqual(nested.advisories, { npm: false, osv: true, osvDir: '/osv' });
    assert.equal(nested.now, '2025-06-01T12:00:00Z');
    assert.equal(nested.trustedRoot, '/root.json');
    const defaults = serviceSettingsFrom({});
    assert.deepEqual(defaults.advisories, { npm: true, osv: false });
    assert.equal(defaults.online, true);
    assert.equal(defaults.restricted, false);
    assert.equal(defaults.allowIncomplete, false);
  });

  it('ignores a value of the wrong type, as if unset', () => {
    const s = serviceSettingsFrom({
      registry: 42,
      online: 'no',
      cooldownDays: 'seven',
      threshold: 'severe',
      severity: { malware: 'none', 'too-new': 'low' },
      untrustedProject: 'yes',
    });
    assert.equal(s.registry, undefined);
    assert.equal(s.online, true);
    assert.equal(s.cooldownDays, undefined);
    assert.equal(s.threshold, undefined);
    assert.deepEqual(s.severity, { 'too-new': 'low' });
    assert.equal(s.restricted, false);
    assert.equal(serviceSettingsFrom({ untrustedProject: true }).restricted, true);
  });

  it('later settings win key by key', () => {
    assert.deepEqual(mergeSettings({ registry: 'a', advisories: { sources: ['npm'], osvDirectory: '/d' } }, { advisories: { sources: ['osv'] } }), {
      registry: 'a',
      advisories: { sources: ['osv'], osvDirectory: '/d' },
    });
  });

  it('maps severities to LSP levels, with diagnosticSeverity overrides and none hiding a code', () => {
    assert.equal(diagnosticLevel({}, 'malware', 'critical'), 1);
    assert.equal(diagnosticLevel({}, 'too-new', 'medium'), 2);
    assert.equal(diagnosticLevel({}, 'deprecated', 'low'), 3);
    assert.equal(diagnosticLevel({}, 'install-script', 'info'), 4);
    assert.equal(diagnosticLevel({ diagnosticSeverity: { 'too-new': 'hint' } }, 'too-new', 'medium'), 4);
    assert.equal(diagnosticLevel({ 'diagnosticSeverity.too-new': 'none' }, 'too-new', 'medium'), 2, 'a dotted key names a whole setting, not a code');
    assert.equal(diagnosticLevel({ diagnosticSeverity: { 'too-new': 'none' } }, 'too-new', 'medium'), undefined);
  });
});
