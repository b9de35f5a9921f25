/*
 * The fake realm most Keycloak tests sign in to: two people in a small
 * group tree, so that sign-in can resolve to a catalog user and parent
 * groups can be told from the groups a person is directly in. Plus a
 * backend started against it, as the `keycloak` preset's tests need.
 */
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '../../backend/backendProcess';
import { externalAccessEnv } from '../../backend/catalogClient';
import {
  FakeKeycloak,
  FakeKeycloakConfig,
  FakeKeycloakGroup,
  FakeKeycloakUser,
  startFakeKeycloak,
} from './index';
import { keycloakPresetEnv } from './oidcSignIn';

/** Ana, in `/engineering/platform`; her password is `ana-pass-1`. */
export const ANA: FakeKeycloakUser = {
  id: '8a3c1f0e-1b2d-4c5e-9f60-0a1b2c3d4e5f',
  username: 'ana',
  email: 'ana@acme.example',
  firstName: 'Ana',
  lastName: 'Lima',
  password: 'ana-pass-1',
  groups: ['/engineering/platform'],
};

/** Bruno, in `sales`; his password is `bruno-pass-1`. */
export const BRUNO: FakeKeycloakUser = {
  id: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
  username: 'bruno',
  email: 'bruno@acme.example',
  firstName: 'Bruno',
  lastName: 'Costa',
  password: 'bruno-pass-1',
  groups: ['sales'],
};

/** `engineering` with its child `platform`, and `sales`. */
export const ACME_GROUPS: FakeKeycloakGroup[] = [
  { name: 'engineering', subGroups: [{ name: 'platform' }] },
  { name: 'sales' },
];

/**
 * The realm `acme` with {@link ANA} and {@link BRUNO}, for client
 * `devportal` with `clientSecret`, redirecting only to the OIDC handler of
 * the backend at `backendBaseUrl`.
 */
export function acmeRealm(options: {
  clientSecret: string;
  backendBaseUrl: string;
}): FakeKeycloakConfig {
  return {
    realm: 'acme',
    clientId: 'devportal',
    clientSecret: options.clientSecret,
    redirectUris: [`${options.backendBaseUrl}/api/auth/oidc/handler/frame`],
    groups: ACME_GROUPS,
    users: [ANA, BRUNO],
  };
}

/** A backend that signs in to the fake acme realm, and that realm. */
export interface AcmePortal {
  keycloak: FakeKeycloak;
  backend: BackendProcess;
}

/**
 * Starts the fake {@link acmeRealm} and, on a free port it redirects to, a
 * backend of `presets` (a selection with `keycloak`) with the preset's
 * variables, a session secret, the test's static token and `env`. Does not
 * wait for the backend to be ready; stops the realm if the backend cannot
 * be started.
 */
export async function startAcmePortal(options: {
  presets: string;
  clientSecret: string;
  env?: Record<string, string>;
}): Promise<AcmePortal> {
  const port = await freePort();
  const realm = acmeRealm({
    clientSecret: options.clientSecret,
    backendBaseUrl: `http://127.0.0.1:${port}`,
  });
  const keycloak = await startFakeKeycloak(realm);
  try {
    const backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: options.presets,
        ...keycloakPresetEnv(keycloak, realm),
        AUTH_SESSION_SECRET: 'session-secret-for-the-e2e-test-0123456789',
        ...externalAccessEnv(),
        ...options.env,
      },
    });
    return { keycloak, backend };
  } catch (error) {
    await keycloak.stop();
    throw error;
  }
}
