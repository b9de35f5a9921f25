/*
 * A provider's own sign-in page, filled in as a person does: the fakes'
 * pages differ in their field names and where they post, not in how a
 * person uses them.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';

/** What the sign-in page did with the credentials. */
export interface SignInFormResult {
  /** The error the page shows when the form came back. */
  error?: string;
}

/** Where a sign-in page's parts are. */
export interface SignInFormSelectors {
  /** Each field's selector, with the value to type into it. */
  fields: Array<[selector: string, value: string]>;
  /** The submit button. */
  submit: string;
  /** The path the form posts to (the answer to a POST ending in it is awaited). */
  postPath: string;
  /** Where the page shows why it refused the credentials. */
  error: string;
}

/**
 * Fills a sign-in form on a page that shows it and submits it. Resolves
 * once the page answered the submission: with the form again (and its
 * error), or by sending the browser on (back to the app).
 */
export async function submitSignInForm(
  page: Page,
  form: SignInFormSelectors,
): Promise<SignInFormResult> {
  for (const [selector, value] of form.fields) {
    await page.locator(selector).fill(value);
  }
  const [answer] = await Promise.all([
    page.waitForResponse(
      r => r.request().method() === 'POST' && r.url().endsWith(form.postPath),
    ),
    page.locator(form.submit).click(),
  ]);
  if (answer.status() !== 200) {
    return {};
  }
  await page.waitForLoadState();
  const errorBox = page.locator(form.error);
  return (await errorBox.count()) > 0
    ? { error: (await errorBox.innerText()).trim() }
    : {};
}
