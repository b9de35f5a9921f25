/* Signing in on the fake Microsoft's sign-in page in a browser, as a person does. */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';
import { SignInFormResult, submitSignInForm } from '../../browser/signInForm';

/**
 * Fills Entra's sign-in form (the `loginfmt` and `passwd` fields, button
 * `#idSIButton9`) on a page that shows it and submits it. Resolves once the
 * page answered the submission: with the form again (and its error, e.g.
 * "Your account or password is incorrect..."), or by sending the browser
 * back to the app.
 */
export function signInAtMicrosoft(
  page: Page,
  credentials: { email: string; password: string },
): Promise<SignInFormResult> {
  return submitSignInForm(page, {
    fields: [
      ['input[name="loginfmt"]', credentials.email],
      ['input[name="passwd"]', credentials.password],
    ],
    submit: '#idSIButton9',
    postPath: '/login',
    error: '#passwordError',
  });
}
