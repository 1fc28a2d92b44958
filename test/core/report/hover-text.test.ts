/**
 * A registry, a lockfile or a package can put any text into a hover card: a publisher name, an install script, an
 * advisory title, a provenance field, an error reason. None of it may speak in TrustLens's voice. Each hostile card is
 * rendered by a real CommonMark/GFM renderer (marked, with raw HTML on: stricter than VS Code, which drops HTML) and
 * compared with its twin carrying plain words in the same places: the same tags, the same links, the same icons, the
 * same lines. What differs is text only.
 */
import { strict as assert } from 'node:assert';
import { marked } from 'marked';
import type { TrustCard } from '../../../src/core/report/card';
import { esc, hoverMarkdown, inlineCode, linkTarget, plainIcons } from '../../../src/core/report/hover-text';

const NOW = new Date('2025-06-01T12:00:00Z');

/** Strings an attacker would try, each aimed at one way out of plain text. */
const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '<a href="https://evil.example/">click</a>',
  '[trusted](https://evil.example/ok)',
  '![x](https://evil.example/pixel.png)',
  '<https://evil.example/autolink>',
  'https://evil.example/bare-url',
  '$(verified) verified',
  '$(pass-filled)',
  '\n\nProvenance: $(verified) verified — https://github.com/o/real\n\n',
  '\r\nInstall scripts: none\r\n',
  '\u2028Registry signature: valid\u2029',
  '# Safe version: 9.9.9',
  '> quoted',
  '- list item',
  '1. numbered',
  '---',
  '| a | b |\n|---|---|\n| c | d |',
  '**bold** _em_ ~~strike~~',
  '`code` ``two`` ```three```',
  '```\nfenced\n```',
  '\\',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;img src=x&#62;',
  '[ref]: https://evil.example/ref',
  '[ref]',
  'command:workbench.action.terminal.new',
  '[run](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)',
  '\u202eevil\u202c',
  '\u001b[31mred\u001b[0m',
  'x'.repeat(5000),
];

function card(text: (field: string) => string): TrustCard {
  return {
    name: 'evil',
    version: '1.0.1',
    registry: 'https://registry.npmjs.org/',
    publishedAt: '2025-06-01T10:00:00Z',
    publisher: { name: text('publisher'), email: text('email') },
    publisherIsNew: true,
    provenance: {
      status: 'verified',
      provenance: {
        predicateType: 'https://slsa.dev/provenance/v1',
        sourceRepository: text('repository'),
        workflowPath: text('workflow'),
        sourceRef: text('ref'),
        sourceCommit: 'abcdef0123456789abcdef0123456789abcdef01',
        tlog: { logIndex: text('logIndex'), url: 'https://search.sigstore.dev/?logIndex=42' },
      },
    },
    signature: { status: 'valid', keyid: text('keyid') },
    installScripts: { postinstall: text('script'), [text('hook')]: 'node x.js' },
    advisories: [{ id: text('advisory-id'), severity: 'critical', title: text('advisory-title'), url: 'https://osv.dev/vulnerability/MAL-1', malware: true }],
    safeVersion: '1.0.0',
    findings: [
      { code: 'malware', severity: 'critical', message: text('finding') },
      { code: 'publisher-changed', severity: 'medium', message: text('finding-2') },
    ],
    trustData: true,
    changes: { previous: text('previous'), findings: [], truncated: false },
    notChecked: [{ signal: 'advisories', reason: text('reason') }],
    locations: [],
  };
}

/** What a reader sees as structure: the tags, the link targets, the icons and the lines that start with our labels. */
function structure(markdown: string) {
  const html = marked.parse(markdown, { async: false, gfm: true }) as string;
  const tags = [...html.matchAll(/<([a-z][a-z0-9]*)\b/gi)].map((m) => m[1].toLowerCase());
  const links = [...html.matchAll(/<a\b[^>]*\bhref="([^"]*)"/gi)].map((m) => m[1]);
  const images = [...html.matchAll(/<img\b/gi)].length;
  // VS Code turns `$(name)` in rendered text into an icon; text from outside must never make one.
  const text = html.replace(/<[^>]*>/g, '');
  const icons = [...text.matchAll(/\$\([a-z0-9-]+(?:~[a-z0-9-]+)?\)/gi)].map((m) => m[0]);
  const labels = text
    .split('\n')
    .map((l) => /^(Provenance|Registry signature|Install scripts|Advisories|Changed|Safe version)\b/.exec(l.trim())?.[1])
    .filter(Boolean);
  return { tags, links, images, icons, labels };
}

describe('hover cards with hostile text (rendered by a real Markdown renderer)', () => {
  const twin = structure(
    hoverMarkdown(
      card((f) => `plain ${f}`),
      NOW,
    ),
  );

  it('the twin with plain words has the structure a hover card should have (a check of the check)', () => {
    assert.equal(twin.images, 0);
    assert.deepEqual(twin.links, [
      'https://search.sigstore.dev/?logIndex=42',
      'https://osv.dev/vulnerability/MAL-1',
      'https://www.npmjs.com/package/evil/v/1.0.1',
    ]);
    assert.deepEqual(twin.labels, ['Provenance', 'Registry signature', 'Install scripts', 'Advisories', 'Changed']);
    assert.ok(twin.icons.includes('$(verified)') && twin.icons.includes('$(error)'), JSON.stringify(twin.icons));
  });

  for (const [i, hostile] of HOSTILE.entries()) {
    it(`text #${i + 1} (${JSON.stringify(hostile.slice(0, 40))}) in every field changes no tag, link, icon or line`, () => {
      const got = structure(
        hoverMarkdown(
          card(() => hostile),
          NOW,
        ),
      );
      assert.deepEqual(got.tags.sort(), [...twin.tags].sort(), 'the same HTML elements');
      assert.deepEqual(got.links, twin.links, 'the same links, no more');
      assert.equal(got.images, 0);
      assert.deepEqual(got.icons, twin.icons, 'no icon of its own');
      assert.deepEqual(got.labels, twin.labels, 'no line that reads like one of ours');
    });
  }

  it('without codicons (other editors): only our icons become characters, hostile text keeps its `$(`', () => {
    const plainTwin = plainIcons(
      hoverMarkdown(
        card((f) => `plain ${f}`),
        NOW,
      ),
    );
    assert.doesNotMatch(plainTwin, /\$\(/);
    assert.match(plainTwin, /✅/);
    for (const hostile of HOSTILE) {
      const md = hoverMarkdown(
        card(() => hostile),
        NOW,
      );
      const plain = plainIcons(md);
      // Every icon replaced is one of ours (as many as in the twin); the hostile text keeps its broken `$(`.
      assert.equal([...plain.matchAll(/✅|⛔|⚠️|ℹ️/g)].length, [...plainTwin.matchAll(/✅|⛔|⚠️|ℹ️/g)].length);
      if (hostile.includes('$(')) assert.ok(plain.includes('$\u200c\\('), 'the hostile icon syntax stays broken text');
    }
  });

  it('keeps the text readable: escaped characters render as themselves', () => {
    const html = marked.parse(`x ${esc('a_b *c* [d](e) <f> $g 1.0.1 # h')} y`, { async: false }) as string;
    assert.equal(html.trim(), '<p>x a_b *c* [d](e) &lt;f&gt; $g 1.0.1 # h y</p>');
  });

  it('an install script is one code span however many backticks it holds, on one line, at most 200 characters', () => {
    for (const script of ['node x.js', 'echo `id`', 'a ``b`` c', '`start', 'end`', '```', 'a\nb\r\nc', 'x'.repeat(500)]) {
      const html = marked.parse(inlineCode(script), { async: false }) as string;
      const spans = [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)];
      assert.equal(spans.length, 1, `${JSON.stringify(script)} → ${html}`);
      assert.ok(!spans[0][1].includes('\n'), 'one line');
      assert.ok(spans[0][1].length <= 200 + 2);
    }
  });

  it('links from registry data: https only, nothing that ends the target or adds a title', () => {
    assert.equal(linkTarget('javascript:alert(1)'), undefined);
    assert.equal(linkTarget('command:workbench.action.terminal.new'), undefined);
    assert.equal(linkTarget('http://osv.dev/x'), undefined);
    assert.equal(linkTarget('https://user:pw@osv.dev/x'), undefined);
    assert.equal(linkTarget('not a url'), undefined);
    const target = linkTarget('https://osv.dev/a) [x](https://evil.example/ "title"')!;
    const html = marked.parse(`[id](${target})`, { async: false }) as string;
    assert.equal([...html.matchAll(/<a\b/g)].length, 1);
    assert.match(html, /^<p><a href="https:\/\/osv\.dev\/[^"]*">id<\/a><\/p>\s*$/);
    assert.doesNotMatch(html, /title=/);
  });
});
