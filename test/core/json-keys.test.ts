import { strict as assert } from 'node:assert';
import { allowEdits, overrideEdits } from '../../src/core/edits';
import { MAX_JSON_NESTING, readJsonWithKeys, tolerantTooDeepAt, tooDeepAt } from '../../src/core/json-keys';
import { parseNpmLockfile } from '../../src/core/lockfile/npm';
import { parseManifest } from '../../src/core/manifest';
import { parseLockfile } from '../../src/core/project';

/**
 * Deep nesting that the strict scan (tooDeepAt) does not see, because it ends strings where JSON does (at the next
 * quote) while jsonc-parser, which reads every text JSON.parse rejects, ends them at a line break and skips
 * comments. Before the fix each of these overflowed the stack in the tolerant path (walkTree, or jsonc-parser's own
 * recursive parser) and `trustlens list` printed "internal error: Maximum call stack size exceeded".
 */
const DEEP = 20_000;
const hostile: Record<string, string> = {
  // The shape the fuzz test found without ../shared (there: about 2,900 brackets around a line of garbage): a string
  // cut by a line break, then a truncated run of brackets, which the strict scan skips as if inside the string.
  'unterminated string': `${'['.repeat(10)} "v{\n${'['.repeat(DEEP)}`,
  'quote in a line comment': `// don't "quote" me: "\n${'['.repeat(DEEP)}`,
  'quote in a block comment': `/* " */ ${'['.repeat(DEEP)}`,
  // Closers that do not match are skipped by jsonc-parser's error recovery, so they must not lower the count.
  'mismatched closers': `[${'}, ['.repeat(DEEP)}`,
};

describe('the tolerant JSON path is bounded whatever the text', () => {
  for (const [name, text] of Object.entries(hostile)) {
    it(`${name}: a positioned problem, no stack overflow`, () => {
      assert.equal(tooDeepAt(text), undefined, 'the strict scan alone misses it (or the case tests nothing)');
      const at = tolerantTooDeepAt(text);
      assert.ok(at !== undefined && '[{'.includes(text[at]), `found at a bracket (${at})`);

      const read = readJsonWithKeys(text, () => {});
      assert.equal(read.value, undefined);
      assert.match(read.errors[0].message, new RegExp(`more than ${MAX_JSON_NESTING} levels`));

      for (const lock of [parseNpmLockfile(text, 'package-lock.json'), parseLockfile('package-lock.json', text, [])]) {
        assert.equal(lock.problems[0].code, 'invalid-json');
        assert.equal(lock.problems[0].range.startOffset, at);
      }
      const manifest = parseManifest(text);
      assert.equal(manifest.problems[0].code, 'invalid-json');
      assert.equal(manifest.problems[0].range.startOffset, at);
      assert.deepEqual(overrideEdits(text, 'npm', 'x', '1.0.0'), [], 'no edit of a file that cannot be read');
      assert.deepEqual(allowEdits(text, { package: 'x', code: 'too-new', reason: 'r' }), []);
    });
  }

  it('reads nesting up to the limit through the tolerant path, keys in document order', () => {
    // A comment sends the text down the tolerant path; 999 nested objects are read without recursion trouble.
    const depth = MAX_JSON_NESTING - 1;
    const text = `// c\n${'{"k":'.repeat(depth)}{"last": 1}${'}'.repeat(depth)}`;
    const keys: string[] = [];
    let deepest: readonly string[] = [];
    const read = readJsonWithKeys(text, (parents, key) => {
      keys.push(key);
      if (key === 'last') deepest = [...parents];
    });
    assert.deepEqual(read.errors, []);
    assert.equal(read.strict, false);
    assert.equal(keys.length, depth + 1);
    assert.equal(keys[keys.length - 1], 'last');
    assert.equal(deepest.length, depth);
  });

  it('walks arrays and objects in document order with the enclosing keys', () => {
    const text = '{ "a": [ { "b": 1 }, [ { "c": 2 } ] ], "d": { "e": {} }, } // trailing comma and comment';
    const seen: string[] = [];
    const read = readJsonWithKeys(text, (parents, key) => seen.push([...parents, key].join('.')));
    assert.deepEqual(read.errors, []);
    assert.deepEqual(seen, ['a', 'a.0.b', 'a.1.0.c', 'd', 'd.e']);
  });
});
