/*
 * A stand-in for Keycloak 26 on loopback, for process-level tests of the
 * `keycloak` preset: OIDC sign-in (Backstage's upstream OIDC authenticator)
 * and org sync (@backstage-community/plugin-catalog-backend-module-keycloak).
 *
 * The server is ./server.mjs, run as its own Node process because
 * oidc-provider 9 is ESM-only and does not load inside Jest.
 */
import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

/** A Keycloak user of the fake realm. */
export interface FakeKeycloakUser {
  /** The Keycloak user id (a UUID); it is the OIDC `sub` and the `keycloak.org/id` annotation. */
  id: string;
  /** Stored in lower case, as Keycloak does. */
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** Without a password the user cannot sign in (but is still synced). */
  password?: string;
  /** Group names (anywhere in the tree) or paths such as `/engineering/platform`. */
  groups?: string[];
  /** Defaults to true; a disabled user cannot sign in. */
  enabled?: boolean;
  /** Defaults to true; Backstage's OIDC profile only carries the email when this is true. */
  emailVerified?: boolean;
  attributes?: Record<string, string[]>;
  createdTimestamp?: number;
}

/** A Keycloak group; members come from {@link FakeKeycloakUser.groups}. */
export interface FakeKeycloakGroup {
  /** Defaults to a random UUID. */
  id?: string;
  name: string;
  description?: string;
  attributes?: Record<string, string[]>;
  subGroups?: FakeKeycloakGroup[];
}

/** What the fake Keycloak serves. */
export interface FakeKeycloakConfig {
  /** The realm users sign in to and whose users and groups the admin API lists. */
  realm: string;
  /**
   * The realm whose token endpoint issues admin tokens (client_credentials);
   * the keycloak module's `loginRealm`, which defaults to `master` there.
   * Defaults to `realm`.
   */
  loginRealm?: string;
  /** One confidential client for both sign-in and the admin API. */
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs; one ending in `*` matches by prefix, as in Keycloak. */
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  users: FakeKeycloakUser[];
  groups?: FakeKeycloakGroup[];
  /** `systemInfo.version` of /admin/serverinfo; 22 or lower switches to Keycloak 22's group listing. Defaults to 26.4.0. */
  serverVersion?: string;
  /** A fixed port on 127.0.0.1; defaults to a free one. */
  port?: number;
}

/** A change to the fake at run time, through `POST /__control`. */
export interface FakeKeycloakControl {
  /** While true, every admin API call (/admin/...) answers 500. */
  fail?: boolean;
  /** Replaces all users (an empty list is allowed). */
  users?: FakeKeycloakUser[];
  /** Replaces all groups; memberships of users not replaced at the same time are kept by group id. */
  groups?: FakeKeycloakGroup[];
  /** Clears the request log, and the peak of admin requests in flight. */
  resetRequests?: boolean;
}

/** A request the fake received (control requests are not logged). */
export interface FakeKeycloakRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

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
  /** Stops the server and waits for it to exit. Safe to call twice. */
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
  /** Everything the server printed so far, stdout and stderr together. */
  output(): string;
}

// The harness runs from source, in tests only; there is no build to move it.
// eslint-disable-next-line no-restricted-syntax
const serverScript = path.join(__dirname, 'server.mjs');
const MAX_OUTPUT = 256 * 1024;

/** Starts a fake Keycloak on 127.0.0.1 and resolves once it listens. */
export async function startFakeKeycloak(
  config: FakeKeycloakConfig,
  options: { timeoutMs?: number } = {},
): Promise<FakeKeycloak> {
  const { port: fixedPort, ...serverConfig } = config;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-keycloak-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify(serverConfig), { mode: 0o600 });

  const env = { ...process.env };
  // Jest's and the CLI's loader flags are not for this process.
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [
      serverScript,
      configFile,
      ...(fixedPort !== undefined ? [String(fixedPort)] : []),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env },
  );

  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  // The server exits when its stdin closes, so it goes when this process dies
  // however it dies; this covers a normal exit without stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const exited = new Promise<void>(resolve => {
    child.once('exit', () => {
      process.removeListener('exit', killOnExit);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve();
    });
  });

  let port: number;
  try {
    port = await waitForReady(
      child,
      () => output,
      exited,
      options.timeoutMs ?? 20_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }

  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = `${baseUrl}/realms/${encodeURIComponent(config.realm)}`;
  return {
    baseUrl,
    port,
    realm: config.realm,
    loginRealm: config.loginRealm ?? config.realm,
    issuer,
    metadataUrl: `${issuer}/.well-known/openid-configuration`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
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
    output: () => output,
  };
}

function waitForReady(
  child: ChildProcess,
  output: () => string,
  exited: Promise<void>,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.stdout!.off('data', onData);
      reject(
        new Error(
          `fake Keycloak did not start within ${timeoutMs} ms:\n${output()}`,
        ),
      );
    }, timeoutMs);
    function onData(chunk: Buffer) {
      stdout += chunk.toString('utf8');
      const match = /^READY (\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(Number(match[1]));
      }
    }
    child.stdout!.on('data', onData);
    exited.then(() => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      reject(
        new Error(
          `fake Keycloak exited with ${
            child.exitCode ?? child.signalCode
          } before it was ready:\n${output()}`,
        ),
      );
    });
  });
}
