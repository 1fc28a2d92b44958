// Rewrites the lists that package.json and the policy schema repeat from the code: the finding codes (from
// src/core/trust/codes.ts, compiled to out/). test/core/trust/docs.test.ts fails while they differ.
// Usage: npm run sync-lists
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { FINDING_CODES } = require('../out/src/core/trust/codes.js');
const codes = [...FINDING_CODES];

/** JSON as the files are written: two-space indent, non-ASCII as \u escapes (as VS Code's package.json has them). */
const write = (file, value) =>
  writeFileSync(file, JSON.stringify(value, null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n');

const pkgFile = new URL('../package.json', import.meta.url);
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
// The settings come in titled sections: every section's properties.
const props = Object.assign({}, ...pkg.contributes.configuration.map((section) => section.properties));
props['trustlens.severity'].propertyNames.enum = codes;
props['trustlens.diagnosticSeverity'].propertyNames.enum = codes;
write(pkgFile, pkg);

const schemaFile = new URL('../media/trustlens.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
schema.properties.severity.propertyNames.enum = codes;
schema.properties.allow.items.properties.code.enum = codes;
write(schemaFile, schema);
console.log(`package.json and media/trustlens.schema.json list ${codes.length} finding codes`);
