/*
 * A person signing in to the portal with a provider button: the sign-in
 * page's one button opens Backstage's popup, the person signs in at the
 * provider there, and the backend's handler page hands the session to the
 * app and closes the popup. Then, in the portal: the settings page's
 * Backstage identity and the person's own catalog page.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';

/** The label of the button on each provider card of Backstage's sign-in page. */
export const SIGN_IN_BUTTON = 'Sign In';

/** How a popup sign-in ended, as the app showed it. */
export type PopupSignInOutcome =
  | { signedIn: true }
  /** Still on the sign-in page, with the app's alerts (why sign-in failed). */
  | { signedIn: false; alerts: string[] };

/**
 * Clicks the sign-in page's "Sign In" button, lets `atProvider` sign in on
 * the popup it opens (the provider's own pages), waits for the popup to
 * close, then for the app to leave the sign-in page or to show an alert
 * (the backend refused the person: "Login failed; caused by ...").
 */
export async function signInThroughPopup(
  page: Page,
  atProvider: (popup: Page) => Promise<unknown>,
  options: { timeoutMs?: number } = {},
): Promise<PopupSignInOutcome> {
  const timeout = options.timeoutMs ?? 60_000;
  const button = page.getByRole('button', { name: SIGN_IN_BUTTON });
  const [popup] = await Promise.all([
    page.waitForEvent('popup', { timeout }),
    button.click({ timeout }),
  ]);
  // Listened for before the provider's pages run: the handler page closes
  // the popup as soon as it has posted its answer to the app.
  const closed = popup.waitForEvent('close', { timeout });
  await atProvider(popup);
  await closed;
  // The app's alert display: a toast (`alertdialog`) in this release, an
  // `alert` in others.
  const alert = page.getByRole('alertdialog').or(page.getByRole('alert'));
  await Promise.race([
    button.waitFor({ state: 'detached', timeout }),
    alert.first().waitFor({ timeout }),
  ]);
  if ((await button.count()) === 0) {
    return { signedIn: true };
  }
  return { signedIn: false, alerts: await alert.allInnerTexts() };
}

/** Who the portal says is signed in. */
export interface SignedInIdentity {
  /** The link to the signed-in user's catalog entity, e.g. `/catalog/default/user/ana`. */
  userEntityPath: string | null;
  /**
   * The links of the settings page's "Ownership Entities": the catalog pages
   * of the user and of their groups.
   */
  ownershipPaths: string[];
}

/**
 * Opens the settings page from the sidebar, in the app (no reload), and
 * reads the "Backstage Identity" card: the user entity the session belongs
 * to and the entities it owns through.
 */
export async function readSignedInIdentity(
  page: Page,
): Promise<SignedInIdentity> {
  await page.getByRole('link', { name: 'Settings' }).first().click();
  const userEntity = page.getByText(/^User Entity:/);
  const link = userEntity.getByRole('link').first();
  await link.waitFor();
  const ownership = page.getByText(/^Ownership Entities:/).getByRole('link');
  await ownership.first().waitFor();
  return {
    userEntityPath: await link.getAttribute('href'),
    ownershipPaths: await ownership.evaluateAll(links =>
      links.map(a => a.getAttribute('href') ?? ''),
    ),
  };
}
