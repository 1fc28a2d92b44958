import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { SERVICE_EXEC_ARGV, serviceEnv } from '../../src/protocol/service';

describe('serviceEnv: how the service process is started', () => {
  it("maps large blocks on their own (glibc's MALLOC_MMAP_THRESHOLD_), keeps the rest, and a value the user set wins", () => {
    const env = serviceEnv({ PATH: '/bin', HOME: '/h' });
    assert.deepEqual(env, { MALLOC_MMAP_THRESHOLD_: '131072', PATH: '/bin', HOME: '/h' });
    assert.equal(serviceEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_, '65536');
  });

  it('a real child process started with it sees the variable', () => {
    const seen = execFileSync(process.execPath, ['-e', 'process.stdout.write(process.env.MALLOC_MMAP_THRESHOLD_ ?? "")'], { env: serviceEnv(process.env) });
    assert.equal(seen.toString(), process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072');
  });

  it("SERVICE_EXEC_ARGV: a real Node started with it keeps V8's young generation small where one without it grows", () => {
    // Many short-lived objects, some surviving a while: what makes V8 grow its new space. Then its size, in MiB.
    const probe = `let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 5e4) keep = []; }
      const s = require('v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
      process.stdout.write(JSON.stringify({ mib: s.space_size / 1048576 }));`;
    const run = (argv: readonly string[]) => JSON.parse(execFileSync(process.execPath, [...argv, '-e', probe]).toString()) as { mib: number };
    const tuned = run(SERVICE_EXEC_ARGV);
    const plain = run([]);
    assert.ok(tuned.mib <= 8, `with ${SERVICE_EXEC_ARGV.join(' ')}: new space ${tuned.mib} MiB (two semi-spaces of at most 4)`);
    assert.ok(plain.mib > tuned.mib, `without: ${plain.mib} MiB, more than ${tuned.mib}`);
  });
});
