/*
 * The portal a person opens: `npm start` with no identity preset and
 * NODE_ENV unset serves the app at the backend's own URL, the guest
 * sign-in shows, and after "Enter" the catalog is the landing page, listing
 * a component from a file location of catalog.locations. A second start
 * reuses the built app instead of building it again.
 *
 * `npm test` builds the app before the process-level tests, so the first
 * start here normally finds it up to date too; run alone on a machine
 * without a build, the first start builds it (minutes).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  BackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  APP_BUILD_TIMEOUT_MS,
  APP_BUILDING,
  APP_REUSED,
  appBuildMarks,
  catalogFileEnv,
  withGuestPortal,
} from '@devportal/test-utils/src/browser/portalBrowser';

jest.setTimeout(APP_BUILD_TIMEOUT_MS + 120_000);

const COMPONENT = 'portal-landing-service';

/** A catalog file location, as an operator lists it in catalog.locations. */
function catalogEnv(work: string): Record<string, string> {
  return catalogFileEnv(
    work,
    `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${COMPONENT}
  description: Listed from a file location
spec:
  type: service
  lifecycle: production
  owner: guests
`,
  );
}

describe('the portal at the backend URL (npm start, no identity preset)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-portal-'));
  let backend: BackendProcess;

  beforeAll(async () => {
    backend = await startBackendProcess({ env: catalogEnv(work) });
    await backend.waitForReady(APP_BUILD_TIMEOUT_MS);
  });

  afterAll(async () => {
    await backend?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('shows the guest sign-in, then the catalog as the landing page with the component of a file location', async () => {
    // One line about the app either way: built now, or reused.
    expect(backend.output()).toMatch(
      new RegExp(`${APP_REUSED.source}|${APP_BUILDING.source}`),
    );
    await withGuestPortal(backend, async page => {
      await page.getByRole('link', { name: COMPONENT }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/');
      // The browser tab names the app (app.title).
      expect(await page.title()).toMatch(/\bDevPortal$/);
    });
  });

  it("takes the backend's URL as the app's (APP_BASE_URL unset): the backend lets that origin call it", async () => {
    // Sign-in popups post their result to app.baseUrl's origin, and CORS
    // admits it: both must be where the browser opened the portal.
    const res = await fetch(`${backend.baseUrl}/api/catalog/entities`, {
      method: 'OPTIONS',
      headers: {
        Origin: backend.baseUrl,
        'Access-Control-Request-Method': 'GET',
      },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe(
      backend.baseUrl,
    );
  });

  it('is not built again by a second npm start: one line says it is reused, and the build is untouched', async () => {
    const before = appBuildMarks();
    const second = await startBackendProcess({ env: catalogEnv(work) });
    try {
      await second.waitForOutput(APP_REUSED, 60_000);
    } finally {
      await second.stop();
    }
    expect(second.output()).not.toMatch(APP_BUILDING);
    expect(appBuildMarks()).toEqual(before);
  });
});
