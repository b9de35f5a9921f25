/*
 * Headless Chromium for sign-in tests. Playwright cannot download browsers on
 * this machine, so this drives Debian's chromium (`apt-get install chromium`).
 */
import { createHash, X509Certificate } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { chromium, BrowserContext, Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running browser with its own fresh profile. */
export interface ChromiumSession {
  /** The browser context: one cookie jar for every page of this session. */
  context: BrowserContext;
  /** A new tab. */
  newPage(): Promise<Page>;
  /** Closes the browser and deletes its profile. Safe to call twice. */
  close(): Promise<void>;
}

/** Whether the chromium binary is installed. */
export function hasChromium(): boolean {
  return fs.existsSync(chromiumPath);
}

/** Options of {@link launchChromium}. */
export interface LaunchChromiumOptions {
  timeoutMs?: number;
  /**
   * Server certificates (PEM) the browser accepts although no CA it knows
   * issued them, e.g. a loopback fake's from `issueLoopbackCertificate()`.
   * Only these keys are accepted: any other certificate error still fails.
   */
  trustedCertificates?: string[];
  /**
   * Host names the browser resolves to these addresses without DNS, e.g. a
   * fake GitHub known as `github.corp.test` that the backend reaches
   * through a proxy: `{ 'github.corp.test': '127.0.0.1' }`.
   */
  hosts?: Record<string, string>;
}

/** Chromium's switch that resolves the given names to the given addresses. */
function hostResolverArgs(hosts: Record<string, string>): string[] {
  const rules = Object.entries(hosts).map(
    ([name, address]) => `MAP ${name} ${address}`,
  );
  return rules.length ? [`--host-resolver-rules=${rules.join(',')}`] : [];
}

/**
 * Chromium's switch that accepts exactly the given server keys (base64
 * SHA-256 of each SubjectPublicKeyInfo), rather than every certificate as
 * `ignoreHTTPSErrors` would. Chromium honours it with a --user-data-dir.
 */
function trustedKeysArgs(certificates: string[]): string[] {
  if (certificates.length === 0) {
    return [];
  }
  const hashes = certificates.map(pem =>
    createHash('sha256')
      .update(
        new X509Certificate(pem).publicKey.export({
          type: 'spki',
          format: 'der',
        }),
      )
      .digest('base64'),
  );
  return [`--ignore-certificate-errors-spki-list=${hashes.join(',')}`];
}

/** Starts headless Chromium with a fresh temporary profile. */
export async function launchChromium(
  options: LaunchChromiumOptions = {},
): Promise<ChromiumSession> {
  if (!hasChromium()) {
    throw new Error(
      `No Chromium at ${chromiumPath}; install it with: apt-get install -y chromium`,
    );
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-chromium-'));
  let context: BrowserContext;
  try {
    // Playwright passes the profile as --user-data-dir itself.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        ...chromiumArgs,
        ...trustedKeysArgs(options.trustedCertificates ?? []),
        ...hostResolverArgs(options.hosts ?? {}),
      ],
      timeout: options.timeoutMs ?? 30_000,
    });
  } catch (error) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(options.timeoutMs ?? 30_000);
  let closed: Promise<void> | undefined;
  return {
    context,
    newPage: () => context.newPage(),
    close() {
      closed ??= context
        .close()
        .catch(() => undefined)
        .finally(() =>
          fs.rmSync(userDataDir, { recursive: true, force: true }),
        );
      return closed;
    },
  };
}

/**
 * Runs `use` on a page of a browser of its own, and closes the browser
 * after. A sign-in there meets no provider session that an earlier sign-in
 * left in a shared browser, so the provider asks for credentials again.
 */
export async function withFreshBrowser<T>(
  use: (page: Page) => Promise<T>,
  options: LaunchChromiumOptions = {},
): Promise<T> {
  const session = await launchChromium(options);
  try {
    return await use(await session.newPage());
  } finally {
    await session.close();
  }
}

/** What happened after the login form was submitted. */
export interface SignInResult {
  /** The URL the browser ended on. */
  url: string;
  /** The error the login form shows, when it came back (e.g. "Invalid username or password."). */
  error?: string;
}

/**
 * Fills the Keycloak login form (inputs `username` and `password`, submit
 * button `#kc-login`) on a page that shows it, submits it, and waits until the
 * browser has left the form page or the form came back with an error.
 */
export async function signInAtLoginForm(
  page: Page,
  credentials: { username: string; password: string },
  options: { timeoutMs?: number } = {},
): Promise<SignInResult> {
  const timeout = options.timeoutMs ?? 30_000;
  await page.locator('input[name="username"]').waitFor({ timeout });
  await page.locator('input[name="username"]').fill(credentials.username);
  await page.locator('input[name="password"]').fill(credentials.password);
  // Marks this document; a page without the mark is whatever came after the submit.
  await page.evaluate(() => {
    (window as unknown as { __kcSubmitted: boolean }).__kcSubmitted = true;
  });
  await page.locator('#kc-login').click({ timeout });
  await page.waitForFunction(
    () =>
      !(window as unknown as { __kcSubmitted?: boolean }).__kcSubmitted &&
      document.readyState !== 'loading',
    undefined,
    { timeout, polling: 100 },
  );
  const errorBox = page.locator('#input-error');
  const error =
    (await errorBox.count()) > 0
      ? (await errorBox.innerText()).trim()
      : undefined;
  return { url: page.url(), ...(error !== undefined && { error }) };
}
