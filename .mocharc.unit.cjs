// `npm run test:unit`: the pure tests, which need no network (loopback registries and servers included), no child
// process and no service. That is all of test/core (src/core is pure by lint rule; core/content/analyze.test.ts once
// runs esbuild to make a real bundle as input), the house rules and the protocol (they read files only), the
// cross-check with arborist (it reads lockfiles), and the pure modules of the other rooms, listed one by one below.
// They may read files (../shared/fixtures, temp folders). `npm test` (.mocharc.json) runs everything, these too.
// A new test goes here only if it starts nothing and listens on nothing.
const base = require('./.mocharc.json');

// The quick loop fuzzes the parsers with 1,000 inputs, not 10,000 (two minutes alone; `npm test` runs them all).
// TRUSTLENS_FUZZ_RUNS set by hand still decides. Mocha runs the tests in this process, so they see it.
process.env.TRUSTLENS_FUZZ_RUNS ??= '1000';

module.exports = {
  ...base,
  spec: [
    'out/test/core/**/*.test.js',
    'out/test/crosscheck/**/*.test.js',
    'out/test/house/**/*.test.js',
    'out/test/protocol/**/*.test.js',
    'out/test/engine/advisories/osv-offline.test.js',
    'out/test/engine/infra/limiter.test.js',
    'out/test/engine/infra/memo.test.js',
    'out/test/engine/infra/slices.test.js',
    'out/test/engine/registry/npmrc.test.js',
    'out/test/engine/session/evaluation-memo.test.js',
    'out/test/engine/sigstore/fast-der.test.js',
    'out/test/engine/sigstore/registry-signatures.test.js',
    'out/test/engine/sigstore/verify-attestations-real.test.js',
    'out/test/extension/scan-scheduler.test.js',
    'out/test/lsp/settings.test.js',
  ],
};
