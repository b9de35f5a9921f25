import request from 'supertest';
import { BackendFeature } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { presetsTestServices } from '@devportal/plugin-presets-node/testUtils';
import identityPresetsAuthFeatures from '../index';

/**
 * Starts the real auth plugin with this module, its config layered from the
 * presets of `rootDir` (a folder laid out as the repository) that `env`
 * selects, as the backend layers it at boot.
 */
export async function authBackend(
  rootDir: string,
  env: Record<string, string>,
  extra: BackendFeature[] = [],
) {
  return startTestBackend({
    features: [
      ...extra,
      authPlugin,
      identityPresetsAuthFeatures,
      ...presetsTestServices({ env, rootDir }),
      mockServices.database.factory(),
    ],
  });
}

/** The redirect of `/start`, split into the authorize URL and its parameters. */
export async function startRedirect(
  server: Parameters<typeof request>[0],
  providerId: string,
) {
  const res = await request(server).get(
    `/api/auth/${providerId}/start?env=production`,
  );
  expect(res.status).toBe(302);
  const location = new URL(res.header.location);
  return {
    authorizeUrl: `${location.origin}${location.pathname}`,
    params: location.searchParams,
  };
}
