import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyAttestations, type AttestationInput } from '../../../src/engine/sigstore/verify-attestations';
import { closeVerifyPool, configureVerifyPool, verifyPoolStats, verifyPoolWorkers } from '../../../src/engine/sigstore/verify-pool';
import { trustFromWire, trustToWire } from '../../../src/engine/sigstore/worker-protocol';
import { customTrustContext, embeddedTrustContext, type TrustContext } from '../../../src/engine/sigstore/trust-root';
import type { ProvenanceVerdict } from '../../../src/core/trust/types';
import {
  createSigstoreTestEnv,
  malformedAttestationResponses,
  releaseToAttest,
  tarballDigest,
  type AttestationsResponse,
  type SigstoreTestEnv,
} from '../../support/sigstore-scenarios';
import { PROJECT_ROOT, requireSharedFixtures } from '../../support/fixtures';
import { type FixtureRegistry, startFixtureRegistry } from '../../fixtures/registry/server';
import { NOW, type Scenario, buildScenario, writeProject } from '../../support/check-scenarios';
import { until, withinHangGuard } from '../../support/wait';
import { isolatedNpmEnv } from '../../support/npm-env';

const integrityOf = (hex: string) => `sha512-${Buffer.from(hex, 'hex').toString('base64')}`;
/** Always a worker, from the first verification on, and only the worker. */
const WORKER = { threads: 1, inThreadBelow: 1, helpHere: false };
const HERE = { threads: 0 };

/** Each input verified on this thread and in a worker, each time with a fresh trust context (no cached verdicts). */
async function bothWays(inputs: AttestationInput[], trust: () => TrustContext): Promise<{ here: ProvenanceVerdict[]; worker: ProvenanceVerdict[] }> {
  configureVerifyPool(HERE);
  const here = await Promise.all(inputs.map((i) => verifyAttestations(i, trust())));
  assert.equal(verifyPoolStats().inThread, inputs.length);
  configureVerifyPool(WORKER);
  const worker = await Promise.all(inputs.map((i) => verifyAttestations(i, trust())));
  const s = verifyPoolStats();
  assert.equal(s.inWorker, inputs.length, `all in the worker (${JSON.stringify(s)})`);
  assert.equal(s.inThread, 0);
  return { here, worker };
}

describe('attestation verification in a worker thread', function () {
  this.timeout(120_000);
  let env: SigstoreTestEnv;
  const trust = (): TrustContext => customTrustContext(env.trustedRootJSON, env.npmKeys);
  const { opts, input } = releaseToAttest('@acme/pool', '1.0.0', 'acme/pool', 'c'.repeat(40));
  let valid: AttestationsResponse;

  before(async () => {
    env = await createSigstoreTestEnv();
    valid = await env.attest(opts);
  });
  afterEach(async () => {
    await closeVerifyPool();
    configureVerifyPool();
  });
  after(() => env?.close());

  it('carries a trust context across intact (trusted root as protobuf JSON, plain registry keys)', () => {
    for (const t of [trust(), embeddedTrustContext({ note: 'offline' }), customTrustContext(env.trustedRootJSON, env.npmKeysResponse)]) {
      const wire = trustToWire(t);
      assert.deepEqual(structuredClone(wire), wire, 'cloneable as it is');
      assert.deepEqual(trustFromWire(structuredClone(wire)), t);
    }
  });

  it('gives the same verdicts as this thread: valid, tampered, forged, wrong integrity', async () => {
    const other = await createSigstoreTestEnv();
    try {
      const inputs = [
        input(valid),
        input(await env.attest({ ...opts, version: '1.0.1', predicateType: 'v0.2', runnerEnvironment: 'self-hosted' }), { version: '1.0.1' }),
        input(await env.attest({ ...opts, version: '1.0.2', publishAttestation: false }), { version: '1.0.2' }),
        input(await env.tamper.subjectDigest(opts)),
        input(await env.tamper.subjectName(opts)),
        input(env.tamper.payload(valid)),
        input(env.tamper.payload(valid, undefined, 1)),
        input(
          env.tamper.payload(valid, (s) => {
            (
              s.predicate as { buildDefinition: { externalParameters: { workflow: { repository: string } } } }
            ).buildDefinition.externalParameters.workflow.repository = 'https://github.com/evil/pool';
          }),
        ),
        input(await other.attest(opts)), // another Sigstore instance: forged as far as this root is concerned
        input({ attestations: [valid.attestations[0], (await env.attest({ ...opts, version: '9.9.9' })).attestations[1]] }),
        input(valid, { integrity: `sha512-${tarballDigest('other').toString('base64')}` }),
        input(valid, { integrity: 'sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }),
        input(valid, { version: '1.0.3' }),
      ];
      const { here, worker } = await bothWays(inputs, trust);
      assert.deepEqual(
        here.map((v) => v.status),
        ['verified', 'verified', 'verified', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid'],
      );
      assert.deepStrictEqual(worker, here);
      assert.equal(worker[1].provenance?.runnerEnvironment, 'self-hosted');
    } finally {
      await other.close();
    }
  });

  it('gives the same verdicts as this thread for malformed input', async () => {
    const garbage = malformedAttestationResponses(valid.attestations[0]);
    const inputs = [
      ...garbage.map((response, i) => input(response, { version: `0.0.${i}` })),
      { name: 'x', version: '1', integrity: undefined as unknown as string, response: valid },
      { name: 'x', version: '2', integrity: 42 as unknown as string, response: valid },
    ];
    const { here, worker } = await bothWays(inputs, trust);
    assert.ok(here.every((v) => v.status === 'invalid' && v.reason));
    assert.deepStrictEqual(worker, here);
  });

  it('verifies input that cannot be copied to the worker on this thread, with the same verdict', async () => {
    const odd = input({ attestations: [{ predicateType: valid.attestations[0].predicateType, bundle: { ...valid.attestations[0].bundle, extra: () => 1 } }] });
    configureVerifyPool(HERE);
    const here = await verifyAttestations(odd, trust());
    configureVerifyPool(WORKER);
    const worker = await verifyAttestations(odd, trust());
    assert.deepStrictEqual(worker, here);
    assert.equal(here.status, 'verified', here.reason); // the bundle parser ignores the extra field
    assert.equal(verifyPoolStats().inThread, 1);
    // The worker still takes the next one.
    assert.equal((await verifyAttestations(input(valid), trust())).status, 'verified');
    assert.equal(verifyPoolStats().inWorker, 1);
  });

  it('stops a shared verification when every caller aborts, queued or running, and verifies afresh later', async () => {
    configureVerifyPool(WORKER);
    const t = trust();
    await verifyAttestations(input(valid, { version: '0.1.0' }), t); // the worker is up
    const controllers = Array.from({ length: 6 }, () => new AbortController());
    const calls = controllers.map((c, i) => verifyAttestations(input(valid, { version: `0.2.${i}` }), t, { signal: c.signal }));
    for (const c of controllers.slice(1)) c.abort(new Error('left'));
    const settled = await Promise.allSettled(calls);
    assert.equal(settled[0].status, 'fulfilled');
    // The engine's one cancellation error, whatever reason the caller aborted with.
    for (const s of settled.slice(1)) assert.equal(((s as PromiseRejectedResult).reason as { code?: string }).code, 'aborted');
    // Jobs 3–6 were still waiting here and never reached the worker; job 2 was cancelled there (or had finished).
    const s = verifyPoolStats();
    assert.ok(s.inWorker <= 3, JSON.stringify(s));
    assert.equal(s.inThread, 0);

    // Aborted verdicts are not cached: the same versions verify afresh.
    const again = await Promise.all(controllers.map((_, i) => verifyAttestations(input(valid, { version: `0.2.${i}` }), t)));
    assert.ok(again.every((v) => v.status === 'invalid' && /does not name/.test(v.reason!)));

    // One caller leaving does not cancel what another still waits for.
    const leaving = new AbortController();
    const a = verifyAttestations(input(valid), t, { signal: leaving.signal });
    const b = verifyAttestations(input(valid), t);
    leaving.abort(new Error('bye'));
    await assert.rejects(a, (e: { code?: string }) => e.code === 'aborted');
    assert.equal((await b).status, 'verified');
  });

  it('verifies the jobs of a worker that dies mid-job on this thread, and starts another for the rest', async () => {
    const inputs = Array.from({ length: 6 }, (_, i) => input(valid, i === 0 ? {} : { version: `0.3.${i}` }));
    configureVerifyPool(HERE);
    const expected = await Promise.all(inputs.map((i) => verifyAttestations(i, trust())));

    configureVerifyPool(WORKER);
    const t = trust();
    await verifyAttestations(input(valid, { version: '0.3.99' }), t); // started and ready
    assert.equal(verifyPoolStats().startMs.length, 1);
    const pending = inputs.map((i) => verifyAttestations(i, t));
    const [worker] = verifyPoolWorkers();
    await worker.terminate(); // with two jobs given to it and four waiting
    assert.deepStrictEqual(await Promise.all(pending), expected);
    const s = verifyPoolStats();
    assert.equal(s.crashes, 1, JSON.stringify(s));
    assert.ok(s.fallbacks >= 1 && s.fallbacks <= 2, JSON.stringify(s));
    assert.equal(s.inThread, s.fallbacks);
    assert.equal(s.started, 2, 'another worker took the waiting jobs');
    assert.equal(s.disabled, undefined);
  });

  it('verifies everything on this thread when the worker cannot start', async () => {
    const inputs = [input(valid), input(env.tamper.payload(valid)), input({ attestations: [] })];
    configureVerifyPool(HERE);
    const expected = await Promise.all(inputs.map((i) => verifyAttestations(i, trust())));

    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-pool-')), 'sigstore-worker.js');
    fs.writeFileSync(broken, 'throw new Error("cannot load");\n');
    configureVerifyPool({ ...WORKER, workerFile: broken });
    assert.deepStrictEqual(await Promise.all(inputs.map((i) => verifyAttestations(i, trust()))), expected);
    let s = verifyPoolStats();
    assert.match(s.disabled ?? '', /did not start: cannot load/);
    assert.equal(s.inWorker, 0);
    assert.equal(s.inThread, 3);
    // Once off, the pool stays off: no second attempt.
    assert.deepStrictEqual(await verifyAttestations(inputs[0], trust()), expected[0]);
    assert.equal(verifyPoolStats().started, 1);

    configureVerifyPool({ ...WORKER, workerFile: path.join(os.tmpdir(), 'no-such-dir', 'sigstore-worker.js') });
    assert.deepStrictEqual(await Promise.all(inputs.map((i) => verifyAttestations(i, trust()))), expected);
    s = verifyPoolStats();
    assert.match(s.disabled ?? '', /is missing/);
    assert.equal(s.started, 0);
  });

  it('keeps a couple of verifications on this thread and starts the worker for a burst', async () => {
    configureVerifyPool({ threads: 1, inThreadBelow: 3, idleMs: 5000, helpHere: false });
    const t = trust();
    await verifyAttestations(input(valid, { version: '0.4.0' }), t);
    await verifyAttestations(input(valid, { version: '0.4.1' }), t);
    assert.deepEqual([verifyPoolStats().inThread, verifyPoolStats().started], [2, 0]);
    await Promise.all([2, 3, 4].map((i) => verifyAttestations(input(valid, { version: `0.4.${i}` }), t)));
    const s = verifyPoolStats();
    assert.deepEqual([s.inThread, s.inWorker, s.started], [2, 3, 1]);
  });

  it('takes waiting jobs on this thread while it has nothing else to do, with the same verdicts', async () => {
    const inputs = Array.from({ length: 16 }, (_, i) => input(valid, i === 0 ? {} : { version: `0.6.${i}` }));
    configureVerifyPool(HERE);
    const expected = await Promise.all(inputs.map((i) => verifyAttestations(i, trust())));
    configureVerifyPool({ threads: 1, inThreadBelow: 1 });
    const t = trust();
    assert.deepStrictEqual(await Promise.all(inputs.map((i) => verifyAttestations(i, t))), expected);
    const s = verifyPoolStats();
    assert.ok(s.helped > 0 && s.inWorker > 0, JSON.stringify(s));
    assert.equal(s.inWorker + s.helped, inputs.length);
    assert.equal(s.inThread, s.helped);
  });

  it('terminates an idle worker', async () => {
    configureVerifyPool({ ...WORKER, idleMs: 100 });
    await verifyAttestations(input(valid), trust());
    assert.equal(verifyPoolStats().workers, 1);
    await until('the idle worker to be terminated', () => verifyPoolStats().workers === 0);
  });

  it('does not keep the process alive: it exits once the verdicts are in, with its worker still idle', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trustlens-pool-exit-'));
    const data = path.join(dir, 'data.json');
    const inputs = [0, 1, 2, 3].map((i) => input(valid, i ? { version: `0.5.${i}` } : {}));
    fs.writeFileSync(data, JSON.stringify({ root: env.trustedRootJSON, keys: env.npmKeys, inputs }));
    const sigstore = path.resolve(__dirname, '../../../src/engine/sigstore');
    const script = `
      const fs = require('node:fs');
      const { verifyAttestations } = require(${JSON.stringify(path.join(sigstore, 'verify-attestations'))});
      const pool = require(${JSON.stringify(path.join(sigstore, 'verify-pool'))});
      const { customTrustContext } = require(${JSON.stringify(path.join(sigstore, 'trust-root'))});
      pool.configureVerifyPool({ threads: 1, inThreadBelow: 1, idleMs: 3600000, helpHere: false });
      const d = JSON.parse(fs.readFileSync(${JSON.stringify(data)}, 'utf8'));
      const trust = customTrustContext(d.root, d.keys);
      Promise.all(d.inputs.map((i) => verifyAttestations(i, trust))).then((vs) => {
        console.log(JSON.stringify({ statuses: vs.map((v) => v.status), stats: pool.verifyPoolStats() }));
      });
    `;
    // The worker's idle timeout is an hour: a process the worker kept alive would not exit before the hang guard.
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let code: number | null;
    try {
      code = await withinHangGuard('the process to exit once its verdicts are in', exited);
    } finally {
      child.kill();
    }
    assert.equal(code, 0, err);
    const result = JSON.parse(out) as { statuses: string[]; stats: { inWorker: number; workers: number } };
    assert.deepEqual(result.statuses, ['verified', 'invalid', 'invalid', 'invalid']);
    assert.equal(result.stats.inWorker, 4);
    assert.equal(result.stats.workers, 1, 'the worker was still there, idle');
  });
});

describe('the bundled CLI verifies in dist/sigstore-worker.js', function () {
  this.timeout(180_000);
  let scenario: Scenario;
  let registry: FixtureRegistry;
  let project: string;
  let rootFile: string;

  before(async function () {
    if (!fs.existsSync(path.join(PROJECT_ROOT, 'dist/cli.js')) || !fs.existsSync(path.join(PROJECT_ROOT, 'dist/sigstore-worker.js'))) {
      console.log('      skipped: dist/ is not built (npm run build)');
      this.skip();
    }
    scenario = await buildScenario();
    registry = await startFixtureRegistry(scenario.corpus);
    project = writeProject(scenario, registry.url);
    rootFile = path.join(project, 'trusted-root.json');
    fs.writeFileSync(rootFile, JSON.stringify(scenario.sigstore.trustedRootJSON));
  });
  after(async () => {
    await registry?.close();
    await scenario?.sigstore.close();
  });

  /** `trustlens check --format json`, with a preload that records the workers the process starts. */
  function check(
    extraEnv: NodeJS.ProcessEnv,
  ): Promise<{ code: number | null; report: { findings: unknown[]; summary: Record<string, unknown> }; workers: { file?: string; ready?: boolean }[] }> {
    const log = path.join(project, `workers-${Date.now()}-${Math.random().toString(36).slice(2)}.log`);
    const preload = path.join(project, 'record-workers.js');
    fs.writeFileSync(
      preload,
      `const wt = require('node:worker_threads'); const fs = require('node:fs'); const log = process.env.TL_WORKER_LOG;
       const Base = wt.Worker;
       wt.Worker = class extends Base { constructor(file, opts) { super(file, opts); fs.appendFileSync(log, JSON.stringify({ file: String(file) }) + '\\n');
         this.on('message', (m) => { if (m && m.type === 'ready') fs.appendFileSync(log, JSON.stringify({ ready: true }) + '\\n'); }); } };`,
    );
    // A fresh cache each time: a cached verdict would not be verified again.
    const cache = fs.mkdtempSync(path.join(project, 'cache-'));
    const args = [
      path.join(PROJECT_ROOT, 'bin/trustlens.js'),
      'check',
      project,
      '--registry',
      registry.url,
      '--now',
      NOW,
      '--trusted-root',
      rootFile,
      '--format',
      'json',
      '--no-content',
      '--cache-dir',
      cache,
    ];
    const env = isolatedNpmEnv(project, { NODE_OPTIONS: `--require ${preload}`, TL_WORKER_LOG: log, ...extraEnv });
    return new Promise((resolve) => {
      const child = spawn(process.execPath, args, { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => {
        const workers = fs.existsSync(log)
          ? fs
              .readFileSync(log, 'utf8')
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as { file?: string; ready?: boolean })
          : [];
        let report: { findings: unknown[]; summary: Record<string, unknown> } | undefined;
        try {
          report = JSON.parse(stdout);
        } catch {
          assert.fail(`no JSON report (exit ${code}): ${stderr.slice(-2000)}`);
        }
        resolve({ code, report: report!, workers });
      });
    });
  }

  it('finds its worker beside dist/cli.js and reports exactly what it reports on one thread', async () => {
    const one = await check({ TRUSTLENS_VERIFY_THREADS: '0' });
    assert.deepEqual(one.workers, [], 'TRUSTLENS_VERIFY_THREADS=0: no worker');
    // The scenario has a handful of attestations: a worker from the first verification on.
    const pooled = await check({ TRUSTLENS_VERIFY_BURST: '1' });
    assert.deepEqual(pooled.workers, [{ file: path.join(PROJECT_ROOT, 'dist/sigstore-worker.js') }, { ready: true }]);
    assert.equal(pooled.code, one.code);
    assert.deepStrictEqual(pooled.report.findings, one.report.findings);
    const timeless = (summary: Record<string, unknown>) => Object.fromEntries(Object.entries(summary).filter(([k]) => k !== 'durationMs' && k !== 'phases'));
    assert.deepStrictEqual(timeless(pooled.report.summary), timeless(one.report.summary));
    assert.ok(JSON.stringify(one.report.findings).includes('provenance-invalid'), 'the forged attestations are caught');
  });

  it('real public-good bundles: the same verdicts from the bundled worker', async function () {
    const dir = requireSharedFixtures(this, 'sigstore');
    const read = (f: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    const root = read('public-good-trusted_root.json');
    const keys = read('npm-registry-keys.tuf.json');
    const sha = '282c0c5fa936d264321643581b65d3de5c0af6ed4fdfac12f5851115df39cc25cfaf0ad22d908487bfef30114d61c25746206d1834be4f8fd1659178f77cc004';
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('sigstore@0.4.0.'))
      .sort();
    assert.ok(files.length >= 8, files.join(', '));
    const inputs: AttestationInput[] = [
      ...files.map((f) => ({ name: 'sigstore', version: '0.4.0', integrity: integrityOf(sha), response: read(f) })),
      {
        name: 'sigstore',
        version: '1.0.0',
        integrity: integrityOf(
          '7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36',
        ),
        response: read('npm-attestations-sigstore@1.0.0.json'),
      },
    ];
    try {
      configureVerifyPool(HERE);
      const here = await Promise.all(inputs.map((i) => verifyAttestations(i, customTrustContext(root, keys))));
      configureVerifyPool({ ...WORKER, workerFile: path.join(PROJECT_ROOT, 'dist/sigstore-worker.js') });
      const worker = await Promise.all(inputs.map((i) => verifyAttestations(i, customTrustContext(root, keys))));
      assert.equal(verifyPoolStats().inWorker, inputs.length);
      assert.deepStrictEqual(worker, here);
      assert.deepEqual(here.map((v) => v.status).sort(), [...Array(files.length - 1).fill('invalid'), 'verified', 'verified']);
    } finally {
      await closeVerifyPool();
      configureVerifyPool();
    }
  });
});
