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
        re += '(?:' + g.slice(i + 1, close).split(',').map(escape).join('|') + ')';
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
