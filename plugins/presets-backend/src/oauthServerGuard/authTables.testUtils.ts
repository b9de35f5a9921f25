/*
 * Test helpers shared by the guard's tests: the auth plugin's own tables
 * (from its migrations, as installed, so a release that renames them fails
 * the tests, not production) and the rows a registered client and an
 * approved authorization leave in them.
 */
import path from 'node:path';
import { DatabaseService } from '@backstage/backend-plugin-api';

type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/** The auth plugin's migrations directory, as installed. */
export const AUTH_MIGRATIONS = path.join(
  path.dirname(require.resolve('@backstage/plugin-auth-backend/package.json')),
  'migrations',
);

/** Inserts a registered client, as the auth plugin's `/v1/register` does. */
export async function insertClient(
  db: Knex,
  client: {
    clientId: string;
    secret: string;
    name: string;
    redirectUris?: string[];
  },
) {
  await db('oidc_clients').insert({
    client_id: client.clientId,
    client_secret: client.secret,
    client_name: client.name,
    response_types: '["code"]',
    grant_types: '["authorization_code"]',
    redirect_uris: JSON.stringify(
      client.redirectUris ?? ['http://127.0.0.1:9/cb'],
    ),
  });
}

/**
 * Inserts an approved authorization session for jane and the (unused) code
 * issued for it, as the auth plugin does once the person approves.
 */
export async function insertApprovedCode(
  db: Knex,
  grant: {
    sessionId: string;
    clientId: string;
    code: string;
    challenge: string | null;
    method: string | null;
    expiresAt: Date;
  },
) {
  await db('oauth_authorization_sessions').insert({
    id: grant.sessionId,
    client_id: grant.clientId,
    redirect_uri: 'http://127.0.0.1:9/cb',
    response_type: 'code',
    code_challenge: grant.challenge,
    code_challenge_method: grant.method,
    status: 'approved',
    user_entity_ref: 'user:default/jane',
    expires_at: grant.expiresAt,
  });
  await db('oidc_authorization_codes').insert({
    code: grant.code,
    session_id: grant.sessionId,
    expires_at: grant.expiresAt,
    used: false,
  });
}
