/*
 * Guest sign-in where it must not be: a backend started with
 * NODE_ENV=production and no identity preset. An anonymous caller asks the
 * guest provider for a session, as the frontend's guest button does, and
 * must not get one unless the operator opted in with DEVPORTAL_ALLOW_GUEST.
 * (A trial, NODE_ENV unset, keeps guest sign-in: bootMatrix.test.ts.)
 */
import {
  BackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import { signInAsGuest } from '@devportal/test-utils/src/mcp';

jest.setTimeout(180_000);

/** A guest refresh as the frontend sends it: the CSRF header, so a refusal is not the guard's. */
function guestRefresh(backend: BackendProcess, method: 'GET' | 'POST') {
  return fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
    method,
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
}

describe('guest sign-in with NODE_ENV=production', () => {
  it('gives an anonymous caller no token without an identity preset, and says at boot that there is no sign-in', async () => {
    const backend = await startBackendProcess({
      env: { NODE_ENV: 'production', VEECODE_PRESETS: 'recommended' },
    });
    try {
      await backend.waitForReady();
      for (const method of ['POST', 'GET'] as const) {
        const res = await guestRefresh(backend, method);
        const text = await res.text();
        expect(`${method} ${res.status}`).not.toBe(`${method} 200`);
        expect(text).not.toContain('backstageIdentity');
        expect(text).not.toContain('"token"');
      }
      expect(backend.output()).toContain(
        'No identity preset selected and NODE_ENV=production: no sign-in is registered (guest sign-in is off in production)',
      );
      expect(backend.output()).toContain('DEVPORTAL_ALLOW_GUEST=true');
      expect(backend.output()).not.toContain('SECURITY WARNING');
    } finally {
      await backend.stop();
    }
  });

  it('signs guests in, mcp included, only when the operator opts in with DEVPORTAL_ALLOW_GUEST=true, and warns at boot', async () => {
    const backend = await startBackendProcess({
      env: {
        NODE_ENV: 'production',
        DEVPORTAL_ALLOW_GUEST: 'true',
        VEECODE_PRESETS: 'recommended,mcp',
      },
    });
    try {
      await backend.waitForReady();
      expect(await signInAsGuest(backend)).toMatch(/^ey/);
      expect(backend.output()).toContain(
        'SECURITY WARNING: guest sign-in is ON in production (NODE_ENV=production, DEVPORTAL_ALLOW_GUEST=true): anyone who can reach this backend gets a user token',
      );
    } finally {
      await backend.stop();
    }
  });
});
