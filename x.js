const fs = require('fs'), path = require('path');
const { parseNpmLockfile } = require('./out/src/core/lockfile/npm.js');
const { parseManifest } = require('./out/src/core/manifest.js');
const Arborist = require('@npmcli/arborist');
const root = '/work/shared/fixtures/lockfiles/arborist';
const dirs = [];
(function walk(d) { const es = fs.readdirSync(d, { withFileTypes: true }); if (es.some(e => e.name === 'package-lock.json' || e.name === 'npm-shrinkwrap.json')) dirs.push(d); for (const e of es) if (e.isDirectory()) walk(path.join(d, e.name)); })(root);
(async () => {
  let bad = 0;
  for (const dir of dirs) {
    const lf = fs.existsSync(dir + '/npm-shrinkwrap.json') ? 'npm-shrinkwrap.json' : 'package-lock.json';
    const man = fs.existsSync(dir + '/package.json') ? parseManifest(fs.readFileSync(dir + '/package.json', 'utf8')) : undefined;
    const lock = parseNpmLockfile(fs.readFileSync(path.join(dir, lf), 'utf8'), lf, man);
    let theirs, ws;
    try { const t = await new Arborist({ path: dir }).loadVirtual(); theirs = new Set(); ws = new Set([...(t.workspaces ?? new Map()).values()].map(p => path.relative(dir, p))); for (const n of t.inventory.values()) { if (n.isRoot || n.isLink || ws.has(n.location)) continue; theirs.add(`${n.location} ${n.packageName}@${n.version ?? ''}`); } }
    catch (e) { console.log('ARB FAIL', path.relative(root, dir), e.message.slice(0, 100)); continue; }
    const mine = new Set(lock.packages.map(p => `${p.id} ${p.name}@${p.version}`));
    const myws = new Set(lock.importers.map(i => i.id).filter(i => i !== '.'));
    const missing = [...theirs].filter(k => !mine.has(k)), extra = [...mine].filter(k => !theirs.has(k));
    const wsdiff = [...ws].filter(w => !myws.has(w)).concat([...myws].filter(w => !ws.has(w)));
    if (missing.length || extra.length || wsdiff.length) { bad++; console.log(path.relative(root, dir), lock.version, 'missing', missing.slice(0, 4), 'extra', extra.slice(0, 4), missing.length, extra.length, 'ws', wsdiff); }
  }
  console.log(dirs.length, 'dirs', bad, 'different');
})();
