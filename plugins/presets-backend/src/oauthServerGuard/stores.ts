/*
 * The guard's state, in the auth plugin's own database, so that every
 * replica sees the same: what a code was issued for is read from the auth
 * plugin's tables (the only place it is kept), and registration counts per
 * client address live in a small table of ours beside them.
 */
import { DatabaseService } from '@backstage/backend-plugin-api';
import {
  ModuleDatabaseClient as Knex,
  ModuleMigrations,
  migratedModuleDatabase,
} from '@devportal/backend-module-migrations-node';
import { CodeBinding } from './requests';

/**
 * Reads what `@backstage/plugin-auth-backend` 0.30.x stored for an
 * authorization code: `oidc_authorization_codes.session_id` →
 * `oauth_authorization_sessions` (client id, PKCE challenge) →
 * `oidc_clients` (a dynamically registered client and its secret).
 * Undefined for a code it does not know; the auth plugin then refuses it.
 */
export async function readCodeBinding(
  db: Knex,
  code: string,
): Promise<CodeBinding | undefined> {
  const row = await db('oidc_authorization_codes as c')
    .join('oauth_authorization_sessions as s', 's.id', 'c.session_id')
    .leftJoin('oidc_clients as k', 'k.client_id', 's.client_id')
    .where('c.code', code)
    .first(
      's.client_id as clientId',
      's.code_challenge as codeChallenge',
      's.code_challenge_method as codeChallengeMethod',
      'k.client_id as registeredClientId',
      'k.client_secret as clientSecret',
      'k.metadata as clientMetadata',
    );
  if (!row) {
    return undefined;
  }
  let client: CodeBinding['client'];
  if (row.registeredClientId && row.clientSecret) {
    client = {
      kind: 'registered',
      secret: row.clientSecret,
      public: authMethodOf(row.clientMetadata) === 'none',
    };
  } else if (/^https:\/\//.test(row.clientId)) {
    // The auth plugin keeps no row for these: the document's URL is the id.
    client = { kind: 'metadata-document' };
  } else {
    client = { kind: 'unknown' };
  }
  return {
    clientId: row.clientId,
    codeChallenge: row.codeChallenge ?? undefined,
    codeChallengeMethod: row.codeChallengeMethod ?? undefined,
    client,
  };
}

/**
 * The client an authorization session (the consent a person is asked for)
 * was opened for, from the auth plugin's `oauth_authorization_sessions`.
 */
export async function readSessionClientId(
  db: Knex,
  sessionId: string,
): Promise<string | undefined> {
  const row = await db('oauth_authorization_sessions')
    .where('id', sessionId)
    .first('client_id as clientId');
  return row?.clientId;
}

/** `token_endpoint_auth_method` from a client's `metadata` column, if any. */
function authMethodOf(metadata: unknown): unknown {
  if (typeof metadata !== 'string') {
    return undefined;
  }
  try {
    return JSON.parse(metadata)?.token_endpoint_auth_method;
  } catch {
    return undefined;
  }
}

/**
 * Records that a dynamically registered client asked to be public
 * (`token_endpoint_auth_method: none`), in the auth plugin's `metadata`
 * column for the client ("additional client metadata as JSON"), which the
 * auth plugin 0.30.x leaves empty and does not read.
 */
export async function recordPublicClient(
  db: Knex,
  clientId: string,
): Promise<void> {
  await db('oidc_clients')
    .where('client_id', clientId)
    .update({
      metadata: JSON.stringify({ token_endpoint_auth_method: 'none' }),
    });
}

const COUNTS_TABLE = 'presets_oauth_registration_counts';

/**
 * This package's `migrations` folder, recorded in a table of its own: the
 * auth plugin's database holds the auth plugin's `knex_migrations`.
 */
const MIGRATIONS: ModuleMigrations = {
  packageName: '@devportal/plugin-presets-backend',
  tableName: 'presets_oauth_server_guard__knex_migrations',
};

/** The outcome of counting one registration attempt. */
export type RateLimitDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number };

/**
 * Counts registration attempts per client address in fixed windows, in the
 * database, so that all replicas share one count.
 */
export class RegistrationRateLimiter {
  private constructor(
    private readonly db: Knex,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /**
   * A limiter on the auth plugin's database, with the counts table made by
   * this package's `migrations` folder (unless the database says
   * `migrations.skip`: then the table must exist).
   */
  static async create(options: {
    database: DatabaseService;
    limit: number;
    windowMs: number;
  }): Promise<RegistrationRateLimiter> {
    const db = await migratedModuleDatabase(options.database, MIGRATIONS);
    return new RegistrationRateLimiter(db, options.limit, options.windowMs);
  }

  /** Counts one attempt from `address` at `now` and says whether it may go on. */
  async take(address: string, now = Date.now()): Promise<RateLimitDecision> {
    const windowStart = now - (now % this.windowMs);
    // The upsert holds the row until commit, so each attempt reads the
    // count its own increment made: exactly `limit` get through.
    const count = await this.db.transaction(async trx => {
      await trx(COUNTS_TABLE)
        .insert({ address, window_start: windowStart, count: 1 })
        .onConflict(['address', 'window_start'])
        .merge({ count: trx.raw('??.?? + 1', [COUNTS_TABLE, 'count']) });
      const row: { count: number | string } | undefined = await trx(
        COUNTS_TABLE,
      )
        .where({ address, window_start: windowStart })
        .first('count');
      // Some drivers answer numbers as strings.
      return Number(row?.count ?? 0);
    });
    // Old windows are of no further use; the table stays one row per
    // recently active address.
    await this.db(COUNTS_TABLE).where('window_start', '<', windowStart).del();
    if (count <= this.limit) {
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterSeconds: Math.max(
        1,
        Math.ceil((windowStart + this.windowMs - now) / 1000),
      ),
    };
  }
}
