/** The TrustLens status bar item as a real VS Code shows it (code-server, read through Playwright). */
import { type CodeServerSession, waitFor } from './harness';

/** The status item's DOM id: "<extension id>.<item id>". */
export const STATUS_ITEM = '[id="trustlens.trustlens.trustlens.status"]';

export interface StatusView {
  /** The text as shown (codicons are icons, not text). */
  text: string;
  /** The codicons shown, e.g. ['warning', 'error', 'warning']. */
  icons: string[];
  /** The background VS Code gives it: 'warning' or 'error' (statusBarItem.warningBackground / errorBackground), or none. */
  kind?: 'warning' | 'error';
}

/** What the TrustLens status item shows right now. */
export async function statusView(s: CodeServerSession): Promise<StatusView> {
  const item = s.page.locator(STATUS_ITEM);
  const text = ((await item.innerText()) as string).replace(/[\s\u00a0]+/g, ' ').trim();
  const icons: string[] = await item
    .locator('.codicon')
    .evaluateAll((els: Array<{ className: string }>) => els.map((e) => /codicon-([\w-]+)/.exec(e.className)?.[1] ?? '?'));
  const classes: string = (await item.getAttribute('class')) ?? '';
  const kind = /\bwarning-kind\b/.test(classes) ? 'warning' : /\berror-kind\b/.test(classes) ? 'error' : undefined;
  return { text, icons, kind };
}

/** Waits until the status item's view satisfies `ok` (the scan that leads there runs in the background); `guardMs` is a hang guard. */
export async function statusUntil(s: CodeServerSession, what: string, ok: (v: StatusView) => boolean, guardMs: number): Promise<StatusView> {
  let last: StatusView | undefined;
  return waitFor(
    `the status item to show ${what} (last seen: ${JSON.stringify(last)})`,
    async () => {
      last = await statusView(s);
      return ok(last) && last;
    },
    guardMs,
    250,
  );
}

/** Hovers the status item and returns its tooltip's text once it shows `contains`; moves the mouse away after. */
export async function statusTooltip(s: CodeServerSession, contains: RegExp): Promise<string> {
  await s.page.mouse.move(1, 1);
  await s.page.locator(STATUS_ITEM).hover();
  const hover = s.page.locator('.monaco-hover:visible, .workbench-hover:visible').last();
  try {
    return await waitFor(`the status item's tooltip to show ${contains}`, async () => {
      const text: string = ((await hover.innerText()) as string).replace(/\u00a0/g, ' ').trim();
      return contains.test(text) && text;
    });
  } finally {
    await s.screenshot('status-tooltip');
    await s.page.mouse.move(1, 1);
  }
}
