// Shared helpers for the browser (end-to-end) tests.
//
// Starts `$GAODI_BIN demo` on a free loopback port with a throw-away SQLite
// database, reads the URL and the demo accounts from its stdout, waits for
// /healthz, and drives Debian's Chromium through playwright-core.
//
// Run with:  GAODI_BIN=/path/to/gaodi node --test tests/e2e/

import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Where screenshots and page dumps of failed tests go (gitignored). */
export const ARTIFACTS_DIR = path.join(HERE, 'artifacts');

/** Debian's Chromium; CHROMIUM_BIN may point elsewhere for local runs. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The accounts `gaodi demo` prints (contract with the demo command). */
export const DEMO_ACCOUNTS = ['admin', 'city', 'district', 'enterprise', 'expert', 'leader'];

/** Time allowed for the demo to print its lines, and again for /healthz. */
export const STARTUP_TIMEOUT_MS = 60_000;
/** Time between SIGTERM and SIGKILL when stopping the demo. */
export const STOP_GRACE_MS = 10_000;

const URL_LINE = /^gaodi is listening on (https?:\/\/\S+?)\/?\s*$/;
const ACCOUNT_LINE = /^demo account: (\S+) \/ (\S+) \(([^()]+)\)\s*$/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const OUTPUT_CAP = 64 * 1024;

/** The gaodi binary from $GAODI_BIN; throws a loud error when it is unusable. */
export function gaodiBin() {
  const bin = process.env.GAODI_BIN;
  if (!bin) {
    throw new Error(
      'GAODI_BIN is not set: the e2e tests need the gaodi binary, e.g.\n' +
        '  cargo build -p gaodi && GAODI_BIN=$CARGO_TARGET_DIR/debug/gaodi node --test tests/e2e/',
    );
  }
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch (err) {
    throw new Error(`GAODI_BIN=${bin} is not an executable file (${err.code ?? err.message})`);
  }
  return path.resolve(bin);
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Keeps the last OUTPUT_CAP characters of a stream. */
class Tail {
  constructor() {
    this.text = '';
  }
  push(chunk) {
    this.text += chunk;
    if (this.text.length > OUTPUT_CAP) this.text = this.text.slice(-OUTPUT_CAP);
  }
}

/**
 * A running `gaodi demo`.
 *   url       base URL without the trailing slash, e.g. http://127.0.0.1:41234
 *   accounts  { admin: { username, password, role }, ... }
 *   output()  what the process printed so far (stdout and stderr)
 *   stop()    SIGTERM, then SIGKILL after STOP_GRACE_MS; removes the temp dir
 */
class GaodiServer {
  constructor({ child, tmpDir, port, stdout, stderr }) {
    this.child = child;
    this.tmpDir = tmpDir;
    this.port = port;
    this.stdout = stdout;
    this.stderr = stderr;
    this.url = null;
    this.accounts = {};
    this.exited = null; // { code, signal } once the process has exited
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      });
    });
  }

  output() {
    return `--- gaodi stdout (tail) ---\n${this.stdout.text}\n--- gaodi stderr (tail) ---\n${this.stderr.text}`;
  }

  account(name) {
    const acc = this.accounts[name];
    if (!acc) {
      throw new Error(`the demo printed no account "${name}"; it printed: ${Object.keys(this.accounts).join(', ')}`);
    }
    return acc;
  }

  async stop() {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      let timer;
      const grace = new Promise((resolve) => {
        timer = setTimeout(resolve, STOP_GRACE_MS, 'timeout');
      });
      const res = await Promise.race([this.exitPromise, grace]);
      clearTimeout(timer);
      if (res === 'timeout' && !this.exited) {
        process.stderr.write(`gaodi did not stop within ${STOP_GRACE_MS} ms of SIGTERM; sending SIGKILL\n`);
        this.child.kill('SIGKILL');
        await this.exitPromise;
      }
    }
    process.removeListener('exit', this.killOnExit);
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

function failure(server, message) {
  return new Error(`${message}\n${server.output()}`);
}

async function startOnce(bin, expectAccounts) {
  const port = await freePort();
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), 'gaodi-e2e-'));
  const args = ['demo', '--bind', `127.0.0.1:${port}`, '--database', `sqlite://${tmpDir}/e2e.db`];
  const child = spawn(bin, args, {
    cwd: tmpDir,
    env: { ...process.env, GAODI_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new GaodiServer({ child, tmpDir, port, stdout: new Tail(), stderr: new Tail() });
  // Never leave the demo running if this test process dies.
  server.killOnExit = () => {
    if (!server.exited) child.kill('SIGKILL');
  };
  process.on('exit', server.killOnExit);

  let spawnError = null;
  child.once('error', (err) => {
    spawnError = err;
  });

  // Read stdout line by line until the URL and the expected accounts are known.
  let pending = '';
  const onLine = (rawLine) => {
    const line = rawLine.replace(ANSI, '').replace(/\r$/, '').trim();
    let m = URL_LINE.exec(line);
    if (m) {
      server.url = m[1].replace(/\/+$/, '');
      return;
    }
    m = ACCOUNT_LINE.exec(line);
    if (m) server.accounts[m[1]] = { username: m[1], password: m[2], role: m[3] };
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    server.stdout.push(chunk);
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    lines.forEach(onLine);
  });
  child.stderr.on('data', (chunk) => server.stderr.push(chunk));

  const ready = () => server.url && expectAccounts.every((name) => server.accounts[name]);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!ready()) {
    if (spawnError) throw failure(server, `could not start ${bin}: ${spawnError.message}`);
    if (server.exited) {
      const addrInUse = /address already in use|AddrInUse|os error 98/i.test(server.output());
      await server.stop();
      const err = failure(
        server,
        `gaodi demo exited (code ${server.exited.code}, signal ${server.exited.signal}) before printing ` +
          'its URL line and demo accounts',
      );
      err.addrInUse = addrInUse;
      throw err;
    }
    if (Date.now() > deadline) {
      const missing = [!server.url && 'the URL line', ...expectAccounts.filter((n) => !server.accounts[n])]
        .filter(Boolean)
        .join(', ');
      await server.stop();
      throw failure(server, `gaodi demo did not print ${missing} within ${STARTUP_TIMEOUT_MS / 1000} s`);
    }
    await sleep(100);
  }

  // Wait until GET /healthz answers 200.
  const healthDeadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer yet';
  for (;;) {
    if (server.exited) {
      await server.stop();
      throw failure(server, `gaodi demo exited (code ${server.exited.code}) while waiting for /healthz`);
    }
    try {
      const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    if (Date.now() > healthDeadline) {
      await server.stop();
      throw failure(server, `GET ${server.url}/healthz did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000} s (last: ${last})`);
    }
    await sleep(250);
  }
  return server;
}

/**
 * Starts `$GAODI_BIN demo` and resolves once it serves /healthz.
 * Retries with another port if the one picked was taken meanwhile.
 */
export async function startGaodi({ expectAccounts = DEMO_ACCOUNTS } = {}) {
  const bin = gaodiBin();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, expectAccounts);
    } catch (err) {
      if (err.addrInUse && attempt < 3) continue;
      throw err;
    }
  }
}

/** Headless Debian Chromium through playwright-core. */
export async function launchBrowser() {
  try {
    accessSync(CHROMIUM_BIN, fsConstants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM_BIN} is missing: apt-get install -y chromium chromium-driver`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

function slug(text) {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'test';
}

/**
 * Runs `fn(page)` in a fresh browser context (Chinese locale, baseURL = the
 * demo's URL). On failure saves a screenshot and the page's HTML under
 * tests/e2e/artifacts/ and adds them, the browser console errors and the
 * demo's output to the error message.
 */
export async function withPage(browser, server, name, fn) {
  const context = await browser.newContext({ baseURL: server.url, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  try {
    await fn(page);
  } catch (err) {
    const notes = [`page URL at failure: ${page.url()}`];
    try {
      await mkdir(ARTIFACTS_DIR, { recursive: true });
      const base = path.join(ARTIFACTS_DIR, `${slug(name)}-${Date.now()}`);
      await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 15_000 });
      notes.push(`screenshot: ${base}.png`);
      await writeFile(`${base}.html`, await page.content());
      notes.push(`page HTML: ${base}.html`);
    } catch (shotErr) {
      notes.push(`(could not save artifacts: ${shotErr.message})`);
    }
    if (consoleErrors.length) notes.push(`browser errors:\n  ${consoleErrors.join('\n  ')}`);
    notes.push(server.output());
    const extra = `\n\n${notes.join('\n')}`;
    if (err instanceof Error) {
      err.message += extra;
      // node:test prints the stack, which was built from the old message.
      if (typeof err.stack === 'string') err.stack += extra;
    }
    throw err;
  } finally {
    await context.close().catch(() => {});
  }
}

/** A fresh password for the tests: "Gaodi-e2e-" and 8 random letters/digits (at least one digit). */
export function newPassword() {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(7);
  let tail = '';
  for (const b of bytes) tail += alphabet[b % alphabet.length];
  return `Gaodi-e2e-${tail}${randomInt(2, 10)}`;
}

/** Waits until the page's path (and optionally query) is as expected. */
export async function waitForPath(page, pathname, { search } = {}) {
  await page.waitForURL(
    (u) => u.pathname === pathname && (search === undefined || search(u.searchParams)),
    { timeout: 60_000 },
  );
}

/** Logs a demo account in with its one-time password and sets a new one (the forced change); returns it. */
export async function loginFirstTime(page, account) {
  await page.goto('/login');
  await page.locator('#username').fill(account.username);
  await page.locator('#password').fill(account.password);
  await page.locator('#login-submit').click();
  await waitForPath(page, '/account/password');
  const pw = newPassword();
  await page.locator('#current-password').fill(account.password);
  await page.locator('#new-password').fill(pw);
  await page.locator('#confirm-password').fill(pw);
  await page.locator('#password-submit').click();
  await waitForPath(page, '/');
  return pw;
}

/** Logs in with a password already chosen (after `loginFirstTime`). */
export async function login(page, username, password) {
  await page.goto('/login');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.locator('#login-submit').click();
  await waitForPath(page, '/');
}

/**
 * Registers, in the calling `describe`, hooks that start the demo and the browser before its
 * tests and stop both after; returns `{ server, browser }`, filled once the hook has run.
 */
export function useDemo({ hookTimeout = 180_000 } = {}) {
  const demo = { server: null, browser: null };
  before(
    async () => {
      demo.server = await startGaodi();
      demo.browser = await launchBrowser();
    },
    { timeout: hookTimeout },
  );
  after(
    async () => {
      await demo.browser?.close().catch(() => {});
      await demo.server?.stop();
    },
    { timeout: hookTimeout },
  );
  return demo;
}
