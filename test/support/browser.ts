/**
 * A headless Chromium driven by Playwright, for tests that render a page in a real browser engine (the trust report
 * page). Neither is a dependency of the project: playwright-core comes from .vscode-e2e/ (scripts/e2e-setup.sh) or
 * node_modules, Chromium from the system (Debian's /usr/bin/chromium, or TRUSTLENS_E2E_CHROMIUM). Without them, such
 * tests skip and say why (`npm test` must pass in a clone with nothing beside it).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { PROJECT_ROOT } from './fixtures';

const CHROMIUM = process.env.TRUSTLENS_E2E_CHROMIUM || '/usr/bin/chromium';
const PLAYWRIGHT_PLACES = [path.join(PROJECT_ROOT, '.vscode-e2e/pw/node_modules/playwright-core'), path.join(PROJECT_ROOT, 'node_modules/playwright-core')];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Playwright's Browser (https://playwright.dev/docs/api/class-browser), typed loosely: playwright-core is found at
 * run time, so its types are not there when `tsc -p .` compiles the project.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Browser = any;

function playwrightDir(): string | undefined {
  return PLAYWRIGHT_PLACES.find((dir) => fs.existsSync(path.join(dir, 'package.json')));
}

/** Why no browser can be launched here, or undefined when one can. */
export function browserUnavailable(): string | undefined {
  const missing: string[] = [];
  if (!playwrightDir()) missing.push('playwright-core (bash scripts/e2e-setup.sh installs it in .vscode-e2e/)');
  if (!fs.existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM}; apt-get install -y chromium)`);
  return missing.length ? `no browser: missing ${missing.join(' and ')}` : undefined;
}

/** A headless Chromium; close it with `browser.close()`. */
export async function launchChromium(): Promise<Browser> {
  const dir = playwrightDir();
  if (!dir) throw new Error(browserUnavailable());
  const { chromium } = createRequire(__filename)(dir) as { chromium: { launch(options: object): Promise<Browser> } };
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
