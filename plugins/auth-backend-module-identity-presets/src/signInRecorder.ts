import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { MetricsService } from '@backstage/backend-plugin-api/alpha';

/** The `outcome` label of `devportal_sign_in_total`. */
export type SignInOutcome = 'success' | 'failure';

/**
 * The labels of one sign-in: the provider id and the outcome, never the
 * username, email or anything else the person typed.
 */
export function signInAttributes(provider: string, outcome: SignInOutcome) {
  return { provider, outcome };
}

/**
 * Who tried to sign in: the username the person typed (LDAP), or the
 * username and email the OAuth/OIDC provider reported; never a password or
 * a token.
 */
export type SignInAttempt = { username?: string; email?: string };

/**
 * Records a sign-in: counted (Prometheus: `devportal_sign_in_total`, by
 * provider and outcome only) and, when it failed, audited with the username
 * or email. One recorder serves every provider.
 */
export type SignInRecorder = (
  provider: string,
  outcome: SignInOutcome,
  attempt: SignInAttempt,
) => void;

/** The sign-in counter on the auth plugin's meter. */
export function createSignInRecorder(
  metrics: MetricsService,
  auditor: AuditorService,
  logger: LoggerService,
): SignInRecorder {
  const signIns = metrics.createCounter('devportal_sign_in_total', {
    description: 'Sign-ins by provider and outcome: success or failure',
  });
  return (provider, outcome, attempt) => {
    signIns.add(1, signInAttributes(provider, outcome));
    if (outcome === 'failure') {
      auditFailedSignIn(auditor, provider, attempt).catch(error =>
        logger.warn(`Could not audit a failed ${provider} sign-in: ${error}`),
      );
    }
  };
}

/** Longest username or email an audit event carries: a name, not a payload. */
const MAX_AUDITED_NAME = 256;

/** The audit event `sign-in-failed`: provider, username and email, never a password or token. */
async function auditFailedSignIn(
  auditor: AuditorService,
  provider: string,
  attempt: SignInAttempt,
): Promise<void> {
  const event = await auditor.createEvent({
    eventId: 'sign-in-failed',
    severityLevel: 'medium',
    meta: {
      provider,
      ...(attempt.username !== undefined && {
        username: attempt.username.slice(0, MAX_AUDITED_NAME),
      }),
      ...(attempt.email !== undefined && {
        email: attempt.email.slice(0, MAX_AUDITED_NAME),
      }),
    },
  });
  await event.fail({ error: new Error(`${provider} sign-in refused`) });
}
