/* Signing in on the fake Okta org's sign-in page in a browser, as a person does. */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';

/** What the sign-in page did with the credentials. */
export interface OktaSignInResult {
  /** The error the page shows when it came back ("Unable to sign in"). */
  error?: string;
}

/**
 * Fills Okta's sign-in form (`#okta-signin-username`, `#okta-signin-password`,
 * `#okta-signin-submit`) on a page that shows it and submits it. Resolves
 * once the page answered: with the form again (and its error), or by
 * sending the browser back to the app.
 */
export async function signInAtOkta(
  page: Page,
  credentials: { username: string; password: string },
): Promise<OktaSignInResult> {
  await page.locator('#okta-signin-username').fill(credentials.username);
  await page.locator('#okta-signin-password').fill(credentials.password);
  const [answer] = await Promise.all([
    page.waitForResponse(
      r => r.request().method() === 'POST' && r.url().endsWith('/login'),
    ),
    page.locator('#okta-signin-submit').click(),
  ]);
  if (answer.status() !== 200) {
    return {};
  }
  await page.waitForLoadState();
  const error = page.locator('#okta-signin-error');
  return (await error.count()) > 0
    ? { error: (await error.innerText()).trim() }
    : {};
}
