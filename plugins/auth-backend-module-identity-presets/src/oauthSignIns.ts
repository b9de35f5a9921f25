/*
 * Sign-ins through the OAuth/OIDC providers, recorded where they are
 * decided: a person's sign-in is the provider's redirect back to
 * `handler/frame`, and it succeeds when the configured sign-in resolvers
 * (tried in turn by upstream's readDeclarativeSignInResolver) return a
 * Backstage identity, and fails when none does. A consent cancelled at the
 * provider ends before any resolver runs, and a session refresh runs them
 * outside the frame handler: neither is a sign-in attempt.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AuthProviderFactory,
  AuthProviderRouteHandlers,
  SignInInfo,
  SignInResolverFactory,
} from '@backstage/plugin-auth-node';
import { SignInAttempt, SignInRecorder } from './signInRecorder';

/** One redirect back from the provider: whom it reported, and whether a resolver signed them in. */
interface FrameAttempt {
  info?: SignInInfo<unknown>;
  signedIn: boolean;
}

const frameAttempts = new AsyncLocalStorage<FrameAttempt>();

/**
 * The sign-in resolver factories, each resolver noting in the running
 * frame handler's attempt whom it was given and whether it signed them in.
 */
export function observedSignInResolvers(factories: {
  [name: string]: SignInResolverFactory;
}): { [name: string]: SignInResolverFactory } {
  return Object.fromEntries(
    Object.entries(factories).map(([name, factory]) => {
      const observed: SignInResolverFactory = (...options) => {
        const resolver = factory(...options);
        return async (info, context) => {
          const attempt = frameAttempts.getStore();
          if (attempt) attempt.info = info;
          const result = await resolver(info, context);
          if (attempt) attempt.signedIn = true;
          return result;
        };
      };
      // The auth plugin validates a resolver's options against it.
      observed.optionsJsonSchema = factory.optionsJsonSchema;
      return [name, observed];
    }),
  );
}

/** A string a profile reports under `key`, if any. */
function stringAt(value: unknown, key: string): string | undefined {
  const field =
    value && typeof value === 'object'
      ? (value as Record<string, unknown>)[key]
      : undefined;
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/**
 * Whom the provider reported: the email of the simple profile, and the
 * username of the provider's own profile (passport's `username`, or an
 * OpenID provider's `preferred_username`). Never a token: the session and
 * the rest of the profile stay out.
 */
export function reportedIdentity(info: SignInInfo<unknown>): SignInAttempt {
  const fullProfile = (info.result as { fullProfile?: unknown } | undefined)
    ?.fullProfile;
  const username =
    stringAt(fullProfile, 'username') ??
    stringAt(
      (fullProfile as { userinfo?: unknown } | undefined)?.userinfo,
      'preferred_username',
    );
  const email = info.profile.email || undefined;
  return { ...(username && { username }), ...(email && { email }) };
}

/**
 * The provider's factory, with each sign-in through its frame handler
 * recorded: success when a sign-in resolver returned an identity, failure
 * when the resolvers ran and none did. Its resolvers must come from
 * {@link observedSignInResolvers}.
 */
export function recordedOAuthSignIns(
  factory: AuthProviderFactory,
  record: SignInRecorder | undefined,
): AuthProviderFactory {
  if (!record) return factory;
  return options => {
    const handlers = factory(options);
    const recorded: AuthProviderRouteHandlers = {
      start: (req, res) => handlers.start(req, res),
      frameHandler: async (req, res) => {
        const attempt: FrameAttempt = { signedIn: false };
        try {
          await frameAttempts.run(attempt, () =>
            handlers.frameHandler(req, res),
          );
        } finally {
          if (attempt.info) {
            record(
              options.providerId,
              attempt.signedIn ? 'success' : 'failure',
              reportedIdentity(attempt.info),
            );
          }
        }
      },
    };
    if (handlers.refresh) {
      recorded.refresh = (req, res) => handlers.refresh!(req, res);
    }
    if (handlers.logout) {
      recorded.logout = (req, res) => handlers.logout!(req, res);
    }
    return recorded;
  };
}
