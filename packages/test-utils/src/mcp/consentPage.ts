/*
 * The person's side of an MCP client's authorization, in Chromium: the
 * client's authorization URL opened in the browser, Backstage's redirect
 * to the portal's consent page (`@backstage/plugin-auth` at
 * `<app.baseUrl>/oauth2/authorize/<session>`), sign-in when the browser
 * has no session yet, and the person's click on "Authorize" or "Cancel".
 * Only what a person sees is used: buttons by their names, visible text.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';

/** What the person does on the consent page. */
export type ConsentDecision = 'approve' | 'reject';

/** Options of {@link decideOnConsentPage}. */
export interface ConsentPageOptions {
  decision: ConsentDecision;
  /**
   * Signs the person in on the portal's sign-in page, when the browser
   * shows it. Default: the guest button (no identity preset selected).
   */
  signIn?: (page: Page) => Promise<void>;
  timeoutMs?: number;
}

/** What the person saw and did. */
export interface ConsentPageVisit {
  /** Whether the portal asked the person to sign in before showing the consent page. */
  askedToSignIn: boolean;
  /** The visible text of the consent page when the person decided. */
  shown: string;
  /** Where the browser was when the authorization left the portal: the client's redirect URI. */
  landedOn: string;
}

/**
 * The guest sign-in button: upstream's guest page ("Enter") or the
 * portal's own sign-in page, which offers guest sign-in with no identity
 * preset selected.
 */
function guestButton(page: Page) {
  return page.getByRole('button', { name: /enter|guest/i }).first();
}

/** Signs in as the guest user on the portal's sign-in page. */
export async function signInAsGuestInBrowser(page: Page): Promise<void> {
  await guestButton(page).click();
}

/**
 * Opens `authorizationUrl` in `page` as the person the MCP client sent
 * there, signs in if the portal asks (with `options.signIn`), waits for
 * the consent page, clicks "Authorize" (approve) or "Cancel" (reject), and
 * waits until the browser has left the portal for `redirectUri` (the
 * client's loopback listener). Fails when the consent page never shows,
 * e.g. an app built without `@backstage/plugin-auth`.
 */
export async function decideOnConsentPage(
  page: Page,
  authorizationUrl: URL,
  redirectUri: string,
  options: ConsentPageOptions,
): Promise<ConsentPageVisit> {
  const timeout = options.timeoutMs ?? 60_000;
  const authorize = page.getByRole('button', { name: 'Authorize' });
  const cancel = page.getByRole('button', { name: 'Cancel' });

  await page.goto(authorizationUrl.toString());
  await authorize.or(guestButton(page)).first().waitFor({ timeout });
  const askedToSignIn = !(await authorize.isVisible());
  if (askedToSignIn) {
    await (options.signIn ?? signInAsGuestInBrowser)(page);
    await authorize.waitFor({ timeout });
  }
  const shown = await page.locator('body').innerText();

  await (options.decision === 'approve' ? authorize : cancel).click({
    timeout,
  });
  await page.waitForURL(url => url.toString().startsWith(redirectUri), {
    timeout,
  });
  return { askedToSignIn, shown, landedOn: page.url() };
}
