/*
 * The fake GitHub's sign-in form in headless Chromium (see ./index.ts); the
 * browser itself comes from ../../browser/chromium.ts (`launchChromium`).
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';

/**
 * Fills GitHub's sign-in form (`#login_field`, `#password`) on a page that
 * shows it and submits it with its `commit` button. Whatever follows (the
 * redirect to the app, or the form again with an error) is the caller's to
 * wait for.
 */
export async function signInAtGithub(
  page: Page,
  credentials: { login: string; password: string },
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const timeout = options.timeoutMs ?? 30_000;
  await page.locator('#login_field').waitFor({ timeout });
  await page.locator('#login_field').fill(credentials.login);
  await page.locator('#password').fill(credentials.password);
  await page.locator('input[name="commit"]').click({ timeout });
}
