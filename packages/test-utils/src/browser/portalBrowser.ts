/*
 * The portal as a person meets it: the app the backend serves at its own
 * URL, opened in headless Chromium (see ./chromium.ts), and what the
 * backend said about the app build when it started.
 */
import fs from 'fs';
import path from 'path';
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { Page } from 'playwright-core';
import { BackendProcess, repoRoot } from '../backend/backendProcess';
import { withFreshBrowser } from './chromium';

/** Where `npm start` builds the app the backend serves. */
export const appDistDir = path.join(repoRoot, 'packages/app/dist');

/** The line `npm start` prints when it reuses the built app. */
export const APP_REUSED =
  /\[portal\] the app in packages\/app\/dist is up to date; not rebuilding/;

/** The line `npm start` prints when it builds the app. */
export const APP_BUILDING =
  /\[portal\] building the app into packages\/app\/dist/;

/** How long a start may spend building the app before the backend is ready. */
export const APP_BUILD_TIMEOUT_MS = 10 * 60_000;

/**
 * The built app's entry page and its inputs record, with their modification
 * times: unchanged between two starts when the second one reused the build.
 */
export function appBuildMarks(): { indexHtml: number; inputs: string } {
  return {
    indexHtml: fs.statSync(path.join(appDistDir, 'index.html')).mtimeMs,
    inputs: fs.readFileSync(
      path.join(appDistDir, '.devportal-app-inputs'),
      'utf8',
    ),
  };
}

/**
 * Records the errors the page throws and logs, for failure messages: an app
 * that fails to load shows a blank page, and the reason is only here.
 */
export function collectPageErrors(page: Page): () => string[] {
  const errors: string[] = [];
  page.on('pageerror', error => errors.push(`page error: ${error.message}`));
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push(`console: ${message.text().slice(0, 300)}`);
    }
  });
  return () => errors;
}

/**
 * Opens the portal at `url` and signs in with the guest sign-in (the one a
 * backend without an identity preset offers): the card's "Enter" button.
 * Resolves once the sign-in page has gone.
 */
export async function enterAsGuest(page: Page, url: string): Promise<void> {
  await page.goto(url);
  const enter = page.getByRole('button', { name: 'Enter' });
  await enter.waitFor();
  await enter.click();
  await enter.waitFor({ state: 'detached' });
}

/**
 * Writes `entityYaml` to catalog-info.yaml in `dir` and returns the
 * environment that lists it in catalog.locations, as an operator lists a
 * file location.
 */
export function catalogFileEnv(
  dir: string,
  entityYaml: string,
): Record<string, string> {
  const file = path.join(dir, 'catalog-info.yaml');
  fs.writeFileSync(file, entityYaml);
  return {
    APP_CONFIG_catalog_locations: JSON.stringify([
      { type: 'file', target: file },
    ]),
  };
}

/**
 * Runs `steps` in a fresh browser; a failure says what the page showed,
 * the browser's errors and the end of the backend's output.
 */
export async function withPortalPage(
  backend: BackendProcess,
  steps: (page: Page) => Promise<void>,
): Promise<void> {
  await withFreshBrowser(async page => {
    const errors = collectPageErrors(page);
    try {
      await steps(page);
    } catch (error) {
      throw new Error(
        `${error}\npage text:\n${(await page.textContent('body'))?.slice(
          0,
          2000,
        )}\npage errors:\n${errors().join(
          '\n',
        )}\nbackend output (tail):\n${backend.output().slice(-3000)}`,
      );
    }
  });
}

/**
 * Opens `backend`'s portal in a fresh browser, enters as guest, waits for the
 * catalog (the landing page) and runs `steps`. A failure carries what a blank
 * or wrong page cannot show: the page's text and errors and the tail of the
 * backend's output.
 */
export async function withGuestPortal(
  backend: BackendProcess,
  steps: (page: Page) => Promise<void>,
): Promise<void> {
  await withPortalPage(backend, async page => {
    await enterAsGuest(page, `${backend.baseUrl}/`);
    await page.getByRole('heading', { name: 'DevPortal Catalog' }).waitFor();
    await steps(page);
  });
}
