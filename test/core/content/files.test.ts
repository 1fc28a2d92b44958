import { strict as assert } from 'node:assert';
import { inComment, inRanges, JsComments, jsCommentRanges } from '../../../src/core/content/files';

/** `text` with the offset of `marker` in it: whether the tokenizer calls that place a comment. */
const commented = (text: string, marker = 'PAYLOAD'): boolean => inComment(text, text.indexOf(marker), 'js');

describe('content analysis: comments decided by a tokenizer', () => {
  it('line and block comments are comments', () => {
    assert.equal(commented('x = 1; // PAYLOAD'), true);
    assert.equal(commented('/* a\n PAYLOAD \n*/ x'), true);
    assert.equal(commented('#!/usr/bin/env node PAYLOAD\nx'), true);
    assert.equal(commented('x = 1; /* c */ PAYLOAD'), false);
  });

  it('regular expression literals hide no code: `/[//]/`, `/\\//`, after return and operators', () => {
    assert.equal(commented('const r = /[//]/; PAYLOAD'), false);
    assert.equal(commented('const r = /a\\//g; PAYLOAD'), false);
    assert.equal(commented('function f(s) { return /[/*]/.test(s) } PAYLOAD'), false);
    assert.equal(commented('x = a ? /\\/\\// : b; PAYLOAD'), false);
    assert.equal(commented('if (x) {} /[//]/.test(y); PAYLOAD'), false);
    assert.equal(commented('if (f(x)) /[//]/.test(y); PAYLOAD'), false);
    assert.equal(commented('while (i--) /[//]/g.exec(s); PAYLOAD'), false);
  });

  it('divisions are divisions, and the comment after them is one', () => {
    assert.equal(commented('const half = total / 2; // PAYLOAD'), true);
    assert.equal(commented('const q = (a + b) / c / d; PAYLOAD'), false);
    assert.equal(commented('const q = a[i] / 2 // PAYLOAD'), true);
  });

  it('strings and template literals (nested `${}` too) hold no comment', () => {
    assert.equal(commented("const u = 'http://x'; PAYLOAD"), false);
    assert.equal(commented('const u = "/*"; PAYLOAD'), false);
    assert.equal(commented('const u = `${`//`}`; PAYLOAD'), false);
    assert.equal(commented('const u = `a ${ {k: `/*`}.k } b`; PAYLOAD'), false);
    assert.equal(commented('const u = `//`; // PAYLOAD'), true);
  });

  it('when unsure it is code: a URL glued to a word, an unterminated literal ends at its line', () => {
    assert.equal(commented('<a href=x>see http://example.com PAYLOAD</a>'), false);
    assert.equal(commented("const s = 'unterminated\nPAYLOAD"), false);
    assert.equal(commented('const r = /unterminated\nPAYLOAD'), false);
  });

  it('one linear pass: 5 MB of slashes and quotes', () => {
    const text = `${'/'.repeat(1_000_000)}${"'`".repeat(1_000_000)}${'/*'.repeat(1_000_000)}`;
    const r = jsCommentRanges(text);
    assert.ok(r.length % 2 === 0);
  });

  it('asked place by place, in any order, it answers as the whole pass does', () => {
    // Token soups (comment openers inside strings, templates, regular expressions, after control heads) and the
    // places just before, at and after every token: the incremental tokenizer must never answer otherwise.
    const pieces = [
      '/',
      '*',
      '//',
      '/*',
      '*/',
      '"',
      "'",
      '`',
      '${',
      '}',
      '{',
      '(',
      ')',
      '[',
      ']',
      '\\',
      '\n',
      ' ',
      'if',
      'while',
      'return',
      'x',
      '1',
      '=',
      ':',
      'a:',
      '#!',
    ];
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let asked = 0;
    for (let k = 0; k < 3000; k++) {
      let text = '';
      for (let j = 1 + rnd(40); j > 0; j--) text += pieces[rnd(pieces.length)];
      const whole = jsCommentRanges(text);
      const places = Array.from({ length: 12 }, () => rnd(text.length + 2));
      if (k % 2) places.sort((a, b) => a - b);
      const comments = new JsComments(text);
      for (const p of places) {
        asked++;
        assert.equal(comments.has(p), inRanges(whole, p), `${JSON.stringify(text)} at ${p}`);
      }
      assert.deepEqual([...comments.all()], [...whole], JSON.stringify(text));
    }
    assert.equal(asked, 36_000);
  });
});
