import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { serviceEnv } from '../../src/protocol/service';

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
});
