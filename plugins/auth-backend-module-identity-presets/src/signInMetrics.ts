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

/** Counts sign-ins (Prometheus: `devportal_sign_in_total`). */
export type SignInRecorder = (provider: string, outcome: SignInOutcome) => void;

/** The sign-in counter on the auth plugin's meter. */
export function createSignInRecorder(metrics: MetricsService): SignInRecorder {
  const signIns = metrics.createCounter('devportal_sign_in_total', {
    description: 'Sign-ins by provider and outcome: success or failure',
  });
  return (provider, outcome) =>
    signIns.add(1, signInAttributes(provider, outcome));
}
