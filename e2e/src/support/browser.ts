// A real browser for the console's end-to-end tests: Debian's chromium (CHROMIUM_PATH to use
// another), driven by puppeteer-core over the DevTools protocol, headless. `--no-sandbox` because
// the tests run as root in CI containers, where Chromium's sandbox cannot start.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { REPO_ROOT } from './marketplace';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Every wait in a browser test is bounded by this. */
export const BROWSER_WAIT_MS = 20_000;

export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    defaultViewport: { width: 1440, height: 1000 },
    timeout: BROWSER_WAIT_MS,
    protocolTimeout: BROWSER_WAIT_MS * 3,
  });
}

export interface WatchedPage {
  page: Page;
  /** Everything the page wrote to its console, and its uncaught errors. */
  logs: string[];
}

/** Opens `url` in a new page; `before` prepares the page first (holdSubscriptions). */
export async function openPage(
  browser: Browser,
  url: string,
  before: (page: Page) => Promise<void> = async () => undefined,
): Promise<WatchedPage> {
  const page = await browser.newPage();
  page.setDefaultTimeout(BROWSER_WAIT_MS);
  page.setDefaultNavigationTimeout(BROWSER_WAIT_MS);
  const logs: string[] = [];
  page.on('console', (message) => logs.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) =>
    logs.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`),
  );
  await before(page);
  await page.goto(url, { waitUntil: 'load' });
  return { page, logs };
}

export interface HeldSubscriptions {
  /** How many subscribe messages the page has sent that are held. */
  held(): Promise<number>;
  /** Sends them, in the order the page sent them; from now on the page's messages go at once. */
  release(): Promise<void>;
}

/**
 * Holds the subscribe messages the page sends on its WebSockets (graphql-ws' `subscribe`): the
 * socket opens, but no subscription starts at the gateway until `release()`. So a test can change
 * the marketplace after a page has read it and before its subscriptions are live, for as long as
 * it takes, with no timing involved. Call before the page loads (openPage's `before`).
 */
export async function holdSubscriptions(page: Page): Promise<HeldSubscriptions> {
  await page.evaluateOnNewDocument(`(() => {
    const held = [];
    let holding = true;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      if (holding && typeof data === 'string' && JSON.parse(data).type === 'subscribe') {
        held.push([this, data]);
        return;
      }
      return send.call(this, data);
    };
    window.heldSubscriptions = () => held.length;
    window.releaseSubscriptions = () => {
      holding = false;
      for (const [socket, data] of held.splice(0)) send.call(socket, data);
    };
  })()`);
  return {
    held: () => page.evaluate('window.heldSubscriptions()') as Promise<number>,
    release: async () => {
      await page.evaluate('window.releaseSubscriptions()');
    },
  };
}

/** Where the tests leave screenshots: E2E_OUTPUT_DIR, else e2e/output (ignored by git). */
export function outputDir(): string {
  const dir = process.env['E2E_OUTPUT_DIR'] ?? join(REPO_ROOT, 'e2e/output');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The text of every cell of the rows matching `selector`, row by row. */
export function rowsOf(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(selector, (rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')),
  );
}

// Conditions evaluated in the page. They are written as expressions (strings) because e2e is
// type-checked without the DOM library (the gpu-worker's WebGPU types clash with it).
const js = (value: unknown) => JSON.stringify(value);

/** Waits until at least `count` elements match. */
export async function waitForCount(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(`document.querySelectorAll(${js(selector)}).length >= ${count}`);
}

/** Waits until the first element matching has the text (exactly, or matching the pattern). */
export async function waitForText(page: Page, selector: string, text: string | RegExp): Promise<void> {
  const content = `(document.querySelector(${js(selector)})?.textContent ?? '')`;
  await page.waitForFunction(
    typeof text === 'string'
      ? `${content} === ${js(text)}`
      : `new RegExp(${js(text.source)}, ${js(text.flags)}).test(${content})`,
  );
}

/** Waits until some element matching has exactly the text. */
export async function waitForAnyText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    `[...document.querySelectorAll(${js(selector)})].some((el) => el.textContent === ${js(text)})`,
  );
}

/** Waits until an element matching has a value of `attribute` not among `seen`. */
export async function waitForNew(
  page: Page,
  selector: string,
  attribute: string,
  seen: string[],
): Promise<void> {
  await page.waitForFunction(
    `[...document.querySelectorAll(${js(selector)})].some((el) => !${js(seen)}.includes(el.getAttribute(${js(attribute)})))`,
  );
}

/** Runs an expression in the page and answers its value. */
export function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}
