/*
 * A stand-in for Keycloak 26 on loopback, for process-level tests of the
 * `keycloak` preset: OIDC sign-in (Backstage's upstream OIDC authenticator)
 * and org sync (@backstage-community/plugin-catalog-backend-module-keycloak).
 * It runs in the test's own process (./server.ts), on oidc-provider and the
 * shared fake toolkit.
 */
import { closeServer } from '../http';
import {
  FakeKeycloakConfig,
  FakeKeycloakControl,
  FakeKeycloakRequest,
  readConfig,
} from './model';
import { startKeycloakServer } from './server';

export type {
  FakeKeycloakConfig,
  FakeKeycloakControl,
  FakeKeycloakGroup,
  FakeKeycloakRequest,
  FakeKeycloakUser,
} from './model';

/** A running fake Keycloak. */
export interface FakeKeycloak {
  /** `http://127.0.0.1:<port>`: the keycloak module's `baseUrl`, the preset's `KEYCLOAK_BASE_URL`. */
  baseUrl: string;
  port: number;
  realm: string;
  loginRealm: string;
  /** `http://127.0.0.1:<port>/realms/<realm>` */
  issuer: string;
  /** The discovery document: the OIDC authenticator's `metadataUrl`. */
  metadataUrl: string;
  /** Stops the server. Safe to call twice. */
  stop(): Promise<void>;
  /** Changes the fake at run time; rejects if the fake refuses the change. */
  control(body: FakeKeycloakControl): Promise<void>;
  /** The requests received so far, oldest first (at most the last 2000). */
  requests(): Promise<FakeKeycloakRequest[]>;
  /**
   * The most admin API requests (/admin/...) in flight at once since the
   * start or the last `resetRequests`: each takes a moment to answer, so a
   * client's concurrency limit shows here.
   */
  adminPeakInFlight(): Promise<number>;
  /** What went wrong inside the server so far (oidc-provider's server errors, failed handlers). */
  output(): string;
}

/** Starts a fake Keycloak on 127.0.0.1; rejects, naming the field, when the config is not one it can serve. */
export async function startFakeKeycloak(
  config: FakeKeycloakConfig,
): Promise<FakeKeycloak> {
  const { server, port, log } = await startKeycloakServer(
    readConfig(config),
    config.port,
  );
  // Keeps Jest from waiting on idle keep-alive sockets at the end.
  server.unref();
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = `${baseUrl}/realms/${encodeURIComponent(config.realm)}`;
  let stopped: Promise<void> | undefined;
  return {
    baseUrl,
    port,
    realm: config.realm,
    loginRealm: config.loginRealm ?? config.realm,
    issuer,
    metadataUrl: `${issuer}/.well-known/openid-configuration`,
    stop() {
      stopped ??= closeServer(server);
      return stopped;
    },
    async control(body) {
      const response = await fetch(`${baseUrl}/__control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        throw new Error(
          `fake Keycloak refused the control request: ${
            response.status
          } ${await response.text()}`,
        );
      }
    },
    async requests() {
      const response = await fetch(`${baseUrl}/__control/requests`);
      if (!response.ok) {
        throw new Error(
          `fake Keycloak did not list its requests: ${response.status}`,
        );
      }
      return (await response.json()) as FakeKeycloakRequest[];
    },
    async adminPeakInFlight() {
      const response = await fetch(`${baseUrl}/__control`);
      if (!response.ok) {
        throw new Error(
          `fake Keycloak did not report its state: ${response.status}`,
        );
      }
      return ((await response.json()) as { adminPeakInFlight: number })
        .adminPeakInFlight;
    },
    output: log,
  };
}
