/**
 * What the browser tests stand on: `callbridge serve` on a fresh SQLite data directory (as a newcomer
 * starts it), Debian's Chromium driven by playwright-core, the admin key the first start printed,
 * passwords set through the CLI, signing in through the page, and screenshots — into
 * docs/screenshots/ with CALLBRIDGE_SCREENSHOTS=1, otherwise into a temporary directory.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin/callbridge.js');
export const PASSWORD = 'a long admin password';
// Without the background-networking flags Chromium keeps dialling Google's hosts, which this sandbox refuses.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const CHROMIUM = '/usr/bin/chromium';
const KEEP_SHOTS = process.env.CALLBRIDGE_SCREENSHOTS === '1';

export class WebHarness {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'callbridge-web-'));
  readonly shots = KEEP_SHOTS ? join(ROOT, 'docs/screenshots') : mkdtempSync(join(tmpdir(), 'callbridge-shots-'));
  url = '';
  adminKey = '';
  #server: ChildProcess | undefined;
  #browser: Browser | undefined;
  /** The server's output so far, and the pages signed in: what `explain` prints when a test fails. */
  #out = '';
  #pages: Page[] = [];

  /** Builds the UI when web/src changed, starts the server and the browser. */
  async start(): Promise<void> {
    assert.ok(existsSync(CHROMIUM), `the browser tests need Debian's Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    const build = spawnSync(process.execPath, [join(ROOT, 'bin/build-web.js'), '--if-stale'], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    mkdirSync(this.shots, { recursive: true });
    await this.#serve();
    // Playwright gives every launch a fresh, empty user-data-dir of its own.
    this.#browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }

  async close(): Promise<void> {
    await this.#browser?.close();
    this.#server?.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
    if (!KEEP_SHOTS) rmSync(this.shots, { recursive: true, force: true });
  }

  #serve(): Promise<void> {
    // Info level: kept in memory, printed only when a test fails (`explain`).
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', this.dataDir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#server = child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${this.#out}`)), 20_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        this.#out += chunk.toString();
        if (this.url) return;
        const key = /^\s+(cb_[a-z0-9]{10}_[A-Za-z0-9_-]{32})$/m.exec(this.#out)?.[1];
        const listening = /listening on (http:\/\/\S+)/.exec(this.#out)?.[1];
        if (key && listening) {
          clearTimeout(timer);
          [this.url, this.adminKey] = [listening, key];
          resolve();
        }
      });
      child.stderr!.on('data', (c: Buffer) => (this.#out += c.toString()));
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${this.#out}`)));
    });
  }

  /** The API with a key (the admin key by default); fails the test on any error status. */
  async api(method: string, path: string, body?: unknown, key = this.adminKey): Promise<any> {
    const res = await fetch(this.url + path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.status === 204 ? undefined : res.json();
  }

  /** `callbridge users password`, the password piped on stdin as a script would. */
  setPassword(who: string, role: string): void {
    const r = spawnSync(process.execPath, [CLI, 'users', 'password', who, '--role', role, '--data-dir', this.dataDir], { input: `${PASSWORD}\n`, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), 'the password is never printed');
  }

  /** A fresh browser context (its own cookies and storage). */
  async context(): Promise<BrowserContext> {
    return this.#browser!.newContext({ viewport: { width: 1360, height: 860 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
  }

  /** Signs `login` in through the page, in a context of its own. */
  async signIn(login: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.context();
    const page = await context.newPage();
    this.#pages.push(page);
    page.setDefaultTimeout(15_000);
    await page.goto(`${this.url}/live`);
    await page.getByLabel(/E-mail or extension|E-Mail oder Nebenstelle/).fill(login);
    await page.getByLabel(/^Password|^Passwort/).fill(PASSWORD);
    await page.getByRole('button', { name: /^Sign in$|^Anmelden$/ }).click();
    await page.locator('nav[aria-label=main]').waitFor();
    return { context, page };
  }

  /**
   * For `afterEach`: when the test failed, prints what it could not see — each open page's text and
   * the end of the server's log — so a failure in CI says more than which wait timed out.
   */
  async explain(t: { name: string }, extra?: () => string): Promise<void> {
    const open = this.#pages.filter((p) => !p.isClosed());
    this.#pages = open;
    // Node 24's TestContext has `passed` in hooks; @types/node does not list it yet.
    if ((t as { passed?: boolean }).passed !== false) return;
    const lines = [`--- what "${t.name}" saw when it failed ---`];
    for (const page of open) {
      const text = await page.locator('body').innerText({ timeout: 2_000 }).catch((e: Error) => `(unreadable: ${e.message})`);
      lines.push(`page ${page.url()}:`, text.slice(0, 16_000));
    }
    if (extra) lines.push(extra());
    lines.push('server log (end):', this.#out.slice(-8_000), '--- end ---');
    process.stderr.write(`${lines.join('\n')}\n`);
  }

  shot(page: Page, name: string): Promise<Buffer> {
    return page.screenshot({ path: join(this.shots, `${name}.png`), animations: 'disabled' });
  }
}

/** The events of an inbound call: ringing at `at`, answered +6 s, transferred to 202 +40 s, ended +155 s. */
export function callEvents(callId: string, from: string, extension: string, at: string) {
  const base = { callId, direction: 'inbound', from, to: '+49 30 999000', extension };
  const t = (s: number) => new Date(Date.parse(at) + s * 1000).toISOString();
  return {
    ringing: { ...base, type: 'call.ringing', timestamp: t(0) },
    answered: { ...base, type: 'call.answered', timestamp: t(6) },
    transferred: { ...base, type: 'call.transferred', transferTo: '202', timestamp: t(40) },
    ended: { ...base, type: 'call.ended', cause: 'normal', timestamp: t(155) },
  };
}
