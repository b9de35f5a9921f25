/*
 * A person signing in on GitLab's web pages: the sign-in form, then the
 * "Authorize <application>?" consent page.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';

/** Where the sign-in ended. */
export interface GitLabSignInResult {
  /** The URL of the page when the helper returned. */
  url: string;
  /** The sign-in form's error ("Invalid login or password."), when it came back. */
  error?: string;
}

const SIGN_IN_BUTTON = '[data-testid="sign-in-button"]';
const AUTHORIZE_BUTTON = '[data-testid="authorization-button"]';
const ERROR_ALERT = '[data-testid="alert-danger"]';

/**
 * On a page that shows GitLab's sign-in form: fills it, submits it and, on
 * the consent page that follows, authorizes the application. Returns once
 * Authorize is clicked (the browser then goes back to the application) or
 * the form came back with an error.
 */
export async function signInAtGitLab(
  page: Page,
  credentials: { username: string; password: string },
  options: { timeoutMs?: number } = {},
): Promise<GitLabSignInResult> {
  const timeout = options.timeoutMs ?? 30_000;
  await page.locator('#user_login').fill(credentials.username, { timeout });
  await page.locator('#user_password').fill(credentials.password, { timeout });
  await page.locator(SIGN_IN_BUTTON).click({ timeout });
  const outcome = page.locator(`${AUTHORIZE_BUTTON}, ${ERROR_ALERT}`).first();
  await outcome.waitFor({ timeout });
  const error = page.locator(ERROR_ALERT);
  if ((await error.count()) > 0) {
    return { url: page.url(), error: (await error.innerText()).trim() };
  }
  await page.locator(AUTHORIZE_BUTTON).click({ timeout });
  return { url: page.url() };
}
