import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semver from 'semver';
import { History, isPrerelease, plainParts } from '../../../src/core/trust/history';
import { seededRandom } from '../../support/rng';
import { summarizePackument } from '../../../src/core/trust/summarize';
import type { PackageSummary, VersionSummary } from '../../../src/core/trust/types';
import { requireSharedFixtures } from '../../support/fixtures';

/**
 * History parses each version once and orders by rank. The reference below is the plain definition (semver parsed
 * at every comparison, as the code did before): every ordering History gives must equal it.
 */
function reference(summary: PackageSummary, now: Date, excluded: ReadonlySet<string> = new Set()) {
  const all = Object.values(summary.versions).filter((v) => semver.valid(v.version) !== null && !excluded.has(v.version));
  const dated = all.every((v) => v.publishedAt !== undefined);
  const known = dated ? all.filter((v) => Date.parse(v.publishedAt!) <= now.getTime()) : all;
  known.sort(
    dated
      ? (a, b) => Date.parse(a.publishedAt!) - Date.parse(b.publishedAt!) || semver.compare(a.version, b.version)
      : (a, b) => semver.compare(a.version, b.version),
  );
  const below = (version: string) => {
    const pre = isPrerelease(version);
    const lower = known.filter((r) => isPrerelease(r.version) === pre && r.version !== version && semver.lt(r.version, version));
    return lower.sort((a, b) => semver.rcompare(a.version, b.version));
  };
  const earlier = (version: string) => {
    const i = known.findIndex((v) => v.version === version);
    return i < 0 ? [] : known.slice(0, i).filter((v) => isPrerelease(v.version) === isPrerelease(version));
  };
  const newestStable = (majors: Set<number>, n: number) =>
    known
      .map((r) => r.version)
      .filter((v) => majors.has(semver.major(v)) && !semver.prerelease(v))
      .sort(semver.rcompare)
      .slice(0, n);
  const newestPublishMs = Math.max(-Infinity, ...known.map((r) => Date.parse(r.publishedAt ?? '') || -Infinity));
  return { releases: known, below, earlier, newestStable, newestPublishMs };
}

const names = (vs: VersionSummary[]) => vs.map((v) => v.version);

/** Every ordering of `h` against the reference; `probes` adds versions that are not in the history. */
function assertLikeReference(summary: PackageSummary, now: Date, excluded: ReadonlySet<string> = new Set(), probes: string[] = [], sample = Infinity): number {
  const h = new History(summary, now, excluded);
  const ref = reference(summary, now, excluded);
  const what = `${summary.name} at ${now.toISOString()}`;
  assert.deepEqual(names(h.releases), names(ref.releases), `${what}: releases`);
  assert.equal(h.newestPublishMs, ref.newestPublishMs, `${what}: newest publish`);
  const later = Object.values(summary.versions)
    .filter((v) => semver.valid(v.version) !== null && !excluded.has(v.version))
    .map((v) => Date.parse(v.publishedAt ?? ''))
    .filter((t) => t > now.getTime());
  assert.equal(h.nextPublishMs, Math.min(Infinity, ...later), `${what}: next publish`);
  const majors = [...new Set(ref.releases.map((r) => semver.major(r.version)))];
  for (const m of [majors.slice(0, 1), majors.slice(-2), majors]) {
    assert.deepEqual(h.newestStable(new Set(m), 5), ref.newestStable(new Set(m), 5), `${what}: newest stable of majors ${m}`);
  }
  let checked = 0;
  const step = Math.max(1, Math.ceil(ref.releases.length / sample));
  for (const version of [...names(ref.releases).filter((_, i) => i % step === 0), ...probes]) {
    const want = names(ref.below(version));
    assert.deepEqual(names(h.belowBySemver(version)), want, `${what}: below ${version}`);
    assert.equal(h.predecessorBySemver(version)?.version, want[0], `${what}: predecessor of ${version}`);
    assert.deepEqual(names(h.earlier(version)), names(ref.earlier(version)), `${what}: earlier than ${version}`);
    checked++;
  }
  return checked;
}

function summary(versions: Record<string, string | undefined>): PackageSummary {
  const doc = {
    name: 'pkg',
    versions: Object.fromEntries(Object.keys(versions).map((v) => [v, { name: 'pkg', version: v }])),
    time: Object.fromEntries(Object.entries(versions).filter(([, t]) => t !== undefined)),
  };
  return summarizePackument(doc, 'https://registry.example/', '2026-12-01T00:00:00.000Z')!;
}

describe('History orders releases as the semver definition does', () => {
  it('dated and undated histories, prereleases, build metadata, dates against semver, exclusions and strangers', () => {
    const dated = summary({
      '0.1.0': '2020-01-01T00:00:00.000Z',
      '0.2.0': '2020-02-01T00:00:00.000Z',
      '0.2.1': '2020-03-01T00:00:00.000Z',
      '1.0.0-beta.1': '2020-04-01T00:00:00.000Z',
      '1.0.0-beta.2': '2020-04-02T00:00:00.000Z',
      '1.0.0': '2020-05-01T00:00:00.000Z',
      '1.0.1+build.7': '2020-05-02T00:00:00.000Z',
      '1.0.1+build.8': '2020-05-02T00:00:00.000Z',
      '1.1.0': '2020-06-01T00:00:00.000Z',
      '0.2.2': '2020-07-01T00:00:00.000Z', // a backport dated after the newer line
      '2.0.0-rc.1': '2020-08-01T00:00:00.000Z',
      '2.0.0': '2020-08-01T00:00:00.000Z', // same instant as its release candidate
      '3.0.0': 'not a date',
      '9.0.0': '2030-01-01T00:00:00.000Z', // after "now"
      'not-semver': '2020-01-01T00:00:00.000Z',
    });
    const now = new Date('2026-01-01T00:00:00.000Z');
    const probes = ['1.0.1', '1.5.0', '0.0.1', '2.0.0-rc.0', '9.0.0', '10.0.0-alpha'];
    assert.ok(assertLikeReference(dated, now, new Set(), probes) > 10);
    assertLikeReference(dated, now, new Set(['1.0.0', '0.2.1']), probes);
    assertLikeReference(dated, new Date('2020-05-02T00:00:00.000Z'), new Set(), probes);
    const undated = summary({ '1.0.0': undefined, '1.0.0-alpha': undefined, '0.9.0': '2020-01-01T00:00:00.000Z', '2.0.0': undefined, v3: undefined });
    assertLikeReference(undated, now, new Set(), probes);
    assert.deepEqual(names(new History(undated, now).releases), ['0.9.0', '1.0.0-alpha', '1.0.0', '2.0.0']);
  });

  it('on the real packuments of ../shared/fixtures, at now and at a date inside each history', function () {
    this.timeout(300_000);
    const dir = requireSharedFixtures(this, 'packuments');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    let versions = 0;
    for (const f of files) {
      const s = summarizePackument(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), 'https://registry.example/', '2026-12-01T00:00:00.000Z');
      if (!s) continue;
      const dates = Object.values(s.versions)
        .map((v) => v.publishedAt)
        .filter((t): t is string => t !== undefined)
        .sort();
      // The reference parses semver at every comparison: 40 versions of each history are probed, spread over it.
      versions += assertLikeReference(s, new Date('2026-12-01T00:00:00.000Z'), new Set(), [], 40);
      if (dates.length > 2) assertLikeReference(s, new Date(dates[Math.floor(dates.length / 2)]), new Set(), [], 40);
    }
    console.log(`      ${files.length} real packuments, ${versions} versions compared`);
    assert.ok(versions > 10_000, `${versions} versions`);
  });

  it('reads plain x.y.z versions itself exactly where semver reads them as such (random strings, TRUSTLENS_FUZZ_SEED)', () => {
    const rnd = seededRandom(Number(process.env.TRUSTLENS_FUZZ_SEED ?? 20261207));
    const parts = ['0', '1', '7', '00', '01', '10', '123456789012345', '1234567890123456', '99999999999999999', '', 'v', 'x', '-', '+', ' ', '.', 'beta'];
    let plain = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = rnd() < 0.5 ? 3 : 1 + Math.floor(rnd() * 6);
      const s = Array.from({ length: n }, () => parts[Math.floor(rnd() * parts.length)]).join(rnd() < 0.8 ? '.' : '');
      const mine = plainParts(s);
      const sv = semver.parse(s);
      const semverPlain = sv && sv.prerelease.length === 0 && sv.build.length === 0 && sv.version === s;
      if (mine) {
        plain++;
        assert.ok(semverPlain, `${JSON.stringify(s)}: read as plain, semver says ${sv?.version}`);
        assert.deepEqual(mine, [sv!.major, sv!.minor, sv!.patch], s);
      } else if (semverPlain) {
        // Not read here: semver decides (numbers of 16 digits, which semver still accepts up to 2^53).
        assert.ok(
          s.split('.').some((p) => p.length > 15),
          `${JSON.stringify(s)} is plain to semver`,
        );
      }
    }
    assert.ok(plain > 100, `${plain} plain versions among the strings`);
  });
});
