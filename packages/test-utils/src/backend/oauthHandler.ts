/*
 * The end of an OAuth sign-in as the frontend sees it: Backstage's auth
 * backend answers the provider's redirect with a small `handler/frame` page
 * that posts the result to the app's window. Tests read that page instead.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';

/**
 * Runs `signInAction` (which should lead the page through the provider's
 * sign-in) and returns the message of the backend's OAuth handler page for
 * `/api/auth/<providerId>/handler/frame`.
 *
 * This Backstage release writes the message URI-encoded inside
 * `decodeURIComponent('...')` (older releases used base64 in `atob('...')`).
 *
 * @returns the message as the page carries it, untyped JSON: `{ type,
 * response: { profile, providerInfo, backstageIdentity } }` after a sign-in,
 * `{ type, error: { name, message } }` after a refusal.
 */
export async function handlerResponse(
  page: Page,
  providerId: string,
  signInAction: () => Promise<unknown>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const handlerPath = `/api/auth/${providerId}/handler/frame`;
  // The handler page closes its window once it has posted the message. In
  // a real sign-in that window is the popup; here it is the test's own page,
  // and a page that closes before its response is read fails the wait
  // ("Target page ... has been closed") on a busy machine.
  await page.addInitScript(() => {
    window.close = () => undefined;
  });
  const [response] = await Promise.all([
    page.waitForResponse(r => new URL(r.url()).pathname === handlerPath),
    signInAction(),
  ]);
  return frameMessage(await response.text(), response.status());
}

/**
 * The message of a `handler/frame` page (see {@link handlerResponse}):
 * `{ type, response }` after a sign-in, `{ type, error }` after a refusal.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function frameMessage(html: string, status?: number): any {
  const encoded = /decodeURIComponent\('([^']*)'\)/.exec(html)?.[1];
  if (!encoded) {
    throw new Error(
      `unexpected handler page (${status}): ${html.slice(0, 500)}`,
    );
  }
  return JSON.parse(decodeURIComponent(encoded));
}

/**
 * Refreshes the session of `providerId` from the page, as the frontend does
 * on load: `GET /api/auth/<providerId>/refresh?optional&env=production`
 * with the session cookie and the `X-Requested-With` header Backstage's
 * CSRF guard asks for (without it every refresh is a 401, whatever the
 * session).
 *
 * @returns the status and the body: parsed JSON (`{ backstageIdentity,
 * profile, providerInfo }` after a 200), or the text when it is not JSON.
 */
export async function refreshSession(
  page: Page,
  providerId: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const { status, text } = await page.evaluate(async path => {
    const res = await fetch(path, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
    return { status: res.status, text: await res.text() };
  }, `/api/auth/${providerId}/refresh?optional&env=production`);
  try {
    return { status, body: JSON.parse(text) };
  } catch {
    return { status, body: text };
  }
}
