/* Signing in on the fake Okta org's sign-in page in a browser, as a person does. */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';
import { SignInFormResult, submitSignInForm } from '../../browser/signInForm';

/**
 * Fills Okta's sign-in form (`#okta-signin-username`, `#okta-signin-password`,
 * `#okta-signin-submit`) on a page that shows it and submits it. Resolves
 * once the page answered: with the form again (and its error, "Unable to
 * sign in"), or by sending the browser back to the app.
 */
export function signInAtOkta(
  page: Page,
  credentials: { username: string; password: string },
): Promise<SignInFormResult> {
  return submitSignInForm(page, {
    fields: [
      ['#okta-signin-username', credentials.username],
      ['#okta-signin-password', credentials.password],
    ],
    submit: '#okta-signin-submit',
    postPath: '/login',
    error: '#okta-signin-error',
  });
}
