/* Signing in on the fake Microsoft's sign-in page in a browser, as a person does. */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';

/** What the sign-in page did with the credentials. */
export interface MicrosoftSignInResult {
  /** The error the page shows when it came back (e.g. "Your account or password is incorrect..."). */
  error?: string;
}

/**
 * Fills Entra's sign-in form (the `loginfmt` and `passwd` fields, button
 * `#idSIButton9`) on a page that shows it and submits it. Resolves once the
 * page answered the submission: with the form again (and its error), or by
 * sending the browser back to the app.
 */
export async function signInAtMicrosoft(
  page: Page,
  credentials: { email: string; password: string },
): Promise<MicrosoftSignInResult> {
  await page.locator('input[name="loginfmt"]').fill(credentials.email);
  await page.locator('input[name="passwd"]').fill(credentials.password);
  const [answer] = await Promise.all([
    page.waitForResponse(
      r => r.request().method() === 'POST' && r.url().endsWith('/login'),
    ),
    page.locator('#idSIButton9').click(),
  ]);
  if (answer.status() !== 200) {
    return {};
  }
  await page.waitForLoadState();
  const errorBox = page.locator('#passwordError');
  return (await errorBox.count()) > 0
    ? { error: (await errorBox.innerText()).trim() }
    : {};
}
