const cache = new Map<string, RegExp>();

/**
 * Matches a `/`-separated relative directory against a workspace glob as npm, yarn and pnpm write them:
 * `*` (one segment), `**` (any depth), `?`, `{a,b}` and a leading `./`. Negated globs (`!x`) never match here;
 * callers apply them as exclusions with {@link isExcludedByWorkspaces}.
 */
export function matchesWorkspaceGlob(dir: string, glob: string): boolean {
  if (glob.startsWith('!')) return false;
  return globToRegExp(glob).test(normalise(dir));
}

/** True when `dir` matches one of the positive globs and none of the negated ones. */
export function isWorkspaceDir(dir: string, globs: string[]): boolean {
  const d = normalise(dir);
  let matched = false;
  for (const g of globs) {
    if (g.startsWith('!')) {
      if (globToRegExp(g.slice(1)).test(d)) return false;
    } else if (!matched && globToRegExp(g).test(d)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * How many segments deep a directory the glob matches can be: Infinity with `**`, else its segments (an alternative
 * of `{a,b/c}` counts every slash of the braces, never fewer than one match has). A walk for workspaces need not list
 * a directory deeper than every positive glob reaches.
 */
export function workspaceGlobDepth(glob: string): number {
  const g = normalise(glob);
  return g.includes('**') ? Infinity : g.split('/').length;
}

/**
 * Why a workspace glob would reach outside the project, or undefined when it stays inside: a `..` segment or an
 * absolute path (`/x`, `C:/x`, `\\server`). The repository writes these globs; one such as `../*` would have TrustLens
 * read and list other projects' package.json. Negations included: they only ever exclude, so refusing them costs
 * nothing, and one rule is simpler to trust.
 */
export function globOutsideProject(glob: string): string | undefined {
  const g = glob.startsWith('!') ? glob.slice(1) : glob;
  if (/^(?:[A-Za-z]:|[\\/])/.test(g)) return 'it is an absolute path';
  if (g.split(/[\\/]/).includes('..')) return 'it has a ".." segment';
  return undefined;
}

/** The message of the problem a glob outside the project becomes (the glob itself is where the problem is, unquoted). */
export function outsideProjectMessage(why: string, where: string): string {
  return `This workspace glob in ${where} reaches outside the project (${why}); it is ignored, and nothing outside the project is read`;
}

function normalise(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob);
  if (hit) return hit;
  const g = normalise(glob);
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        // `**/` matches zero or more segments; a trailing `**` matches anything below.
        if (g[i + 2] === '/') {
          re += '(?:[^/]+/)*';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = g.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re +=
          '(?:' +
          g
            .slice(i + 1, close)
            .split(',')
            .map(escape)
            .join('|') +
          ')';
        i = close;
      }
    } else re += escape(c);
  }
  const rx = new RegExp('^' + re + '$');
  cache.set(glob, rx);
  return rx;
}

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}
