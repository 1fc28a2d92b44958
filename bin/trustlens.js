#!/usr/bin/env node
'use strict';
// The check runs in a worker thread whose young generation is capped at 3 MB. A scan makes a great deal of
// short-lived garbage (HTTP machinery, JSON); with V8's default young generation (tens of MB) the process's peak
// resident memory on a 1,800-package scan was ~270 MB, with this cap ~235 MB, for a few percent more time.
// (V8 heap flags cannot be changed once a process runs; a worker's resource limits can be set from here.)
const { Worker } = require('node:worker_threads');
const path = require('node:path');

const worker = new Worker(path.join(__dirname, '../dist/cli.js'), {
  argv: process.argv.slice(2),
  workerData: { stderrIsTTY: process.stderr.isTTY === true },
  resourceLimits: { maxYoungGenerationSizeMb: 3 },
});
worker.on('error', (e) => {
  process.stderr.write(`trustlens: internal error: ${e && e.message ? e.message : String(e)}\n`);
  process.exitCode = 2;
});
worker.on('exit', (code) => {
  if (process.exitCode === undefined) process.exitCode = code;
});
