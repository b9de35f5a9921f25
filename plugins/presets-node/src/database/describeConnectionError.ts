import { EXIT_CONFIG } from '@devportal/plugin-presets-common';

/**
 * Where a {@link DatabaseConnectionProblem} tells the operator to look: the
 * variables (or config keys) of the server's address, the login and TLS.
 *
 * @public
 */
export interface DatabaseConnectionHints {
  /** The host and port, e.g. the variables a preset sets them from. */
  address: string;
  /** The user and password. */
  credentials: string;
  /** The CA the server's certificate is checked against. */
  tls: string;
}

/**
 * The PostgreSQL server a connection attempt went to.
 *
 * @public
 */
export interface DatabaseConnectionTarget {
  /** The server's host name or address. */
  host: string;
  /** The server's port. */
  port: string;
  /** The user the attempt logged in as. */
  user?: string;
  /** How long the attempt waited for an answer. */
  timeoutMs: number;
}

/**
 * Why a connection to PostgreSQL failed, for the operator.
 *
 * @public
 */
export interface DatabaseConnectionProblem {
  /** What happened, naming the server and the user (never the password). */
  message: string;
  /** What to check, from the hints; none when the error tells no more. */
  check?: string;
  /**
   * 78 (EX_CONFIG) when only a configuration change helps (credentials, TLS);
   * 1 when the server may just not be up yet, so that a process manager's
   * restart can succeed.
   */
  exitCode: 1 | typeof EXIT_CONFIG;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
// PostgreSQL's SQLSTATEs for a refused login: invalid_password,
// invalid_authorization_specification (no pg_hba.conf entry, unknown role).
const AUTH_CODES = new Set(['28P01', '28000']);

function capitalize(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Turns a failed connection attempt of node-postgres into what went wrong
 * and what to check: the backend's check before a boot and
 * `presets doctor` say it alike. pg's messages name the user at most,
 * never the password.
 *
 * @public
 */
export function describeConnectionError(
  error: unknown,
  target: DatabaseConnectionTarget,
  hints: DatabaseConnectionHints,
): DatabaseConnectionProblem {
  const at = `the PostgreSQL database at ${target.host}:${target.port}`;
  const code = (error as { code?: unknown })?.code;
  const reason = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return {
      message: `Cannot reach ${at} (${code})`,
      check: hints.address,
      exitCode: 1,
    };
  }
  if (/timeout/i.test(reason)) {
    return {
      message: `Cannot reach ${at} (no answer within ${
        target.timeoutMs / 1000
      } s)`,
      check: hints.address,
      exitCode: 1,
    };
  }
  if (typeof code === 'string' && AUTH_CODES.has(code)) {
    return {
      message: `${capitalize(at)} refused the login of user "${
        target.user ?? ''
      }" (${reason})`,
      check: hints.credentials,
      exitCode: EXIT_CONFIG,
    };
  }
  if (/does not support SSL/i.test(reason)) {
    return {
      message: `${capitalize(at)} does not offer TLS, but TLS is configured`,
      check: hints.tls,
      exitCode: EXIT_CONFIG,
    };
  }
  if (
    typeof code === 'string' &&
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/.test(code)
  ) {
    return {
      message: `Cannot verify the TLS certificate of ${at} (${code})`,
      check: `${hints.tls}, the CA that issued the server's certificate`,
      exitCode: EXIT_CONFIG,
    };
  }
  return { message: `Cannot connect to ${at}: ${reason}`, exitCode: 1 };
}
