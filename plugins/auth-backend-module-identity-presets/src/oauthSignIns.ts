/*
 * Sign-ins through the OAuth/OIDC providers, recorded where they are
 * decided: a person's sign-in is the provider's redirect back to
 * `handler/frame`, and it succeeds when the configured sign-in resolvers
 * (tried in turn by upstream's readDeclarativeSignInResolver) return a
 * Backstage identity, and fails when none does. A consent cancelled at the
 * provider ends before any resolver runs, and a session refresh runs them
 * outside the frame handler: neither is a sign-in attempt.
 *
 * A provider another module adds comes with a factory of its own, whose
 * resolvers this module cannot wrap; its sign-ins are read from the
 * resolver context the auth plugin hands it instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AuthProviderFactory,
  AuthProviderRouteHandlers,
  AuthResolverCatalogUserQuery,
  AuthResolverContext,
  SignInInfo,
  SignInResolverFactory,
} from '@backstage/plugin-auth-node';
import { SignInAttempt, SignInRecorder } from './signInRecorder';

/**
 * One redirect back from the provider: whom a sign-in resolver tried to
 * sign in (set once one ran), and whether it did.
 */
interface FrameAttempt {
  identity?: SignInAttempt;
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
          if (attempt) attempt.identity = reportedIdentity(info);
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
 * The provider's route handlers, each sign-in through its frame handler
 * recorded once a sign-in resolver ran: success when it signed someone in,
 * failure when it did not.
 */
function withRecordedFrames(
  handlers: AuthProviderRouteHandlers,
  providerId: string,
  record: SignInRecorder,
): AuthProviderRouteHandlers {
  const recorded: AuthProviderRouteHandlers = {
    start: (req, res) => handlers.start(req, res),
    frameHandler: async (req, res) => {
      const attempt: FrameAttempt = { signedIn: false };
      try {
        await frameAttempts.run(attempt, () => handlers.frameHandler(req, res));
      } finally {
        if (attempt.identity) {
          record(
            providerId,
            attempt.signedIn ? 'success' : 'failure',
            attempt.identity,
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
  return options =>
    withRecordedFrames(factory(options), options.providerId, record);
}

/**
 * Whom a sign-in resolver asked the catalog for: the name of an entity
 * ref, or the values of the annotations it matches (an email under a key
 * that names one); never a filter's whole query.
 */
export function queriedIdentity(
  query: AuthResolverCatalogUserQuery,
): SignInAttempt {
  if ('entityRef' in query) {
    const ref = query.entityRef;
    const name =
      typeof ref === 'string' ? ref.replace(/^.*[:/]/, '') : ref.name;
    return name ? { username: name } : {};
  }
  if ('annotations' in query) {
    const identity: SignInAttempt = {};
    for (const [key, value] of Object.entries(query.annotations)) {
      if (/email/i.test(key)) identity.email ??= value;
      else identity.username ??= value;
    }
    return identity;
  }
  return {};
}

/**
 * The auth plugin's resolver context, each call noted in the running frame
 * handler's attempt: a token issued (issueToken, signInWithCatalogUser) is a
 * sign-in; a catalog question without one is a refused sign-in.
 */
function observedResolverContext(
  context: AuthResolverContext,
): AuthResolverContext {
  const note = async <T>(
    call: Promise<T>,
    signsIn: boolean,
    query?: AuthResolverCatalogUserQuery,
  ): Promise<T> => {
    const attempt = frameAttempts.getStore();
    if (attempt) {
      attempt.identity = query
        ? queriedIdentity(query)
        : attempt.identity ?? {};
    }
    const result = await call;
    if (attempt && signsIn) attempt.signedIn = true;
    return result;
  };
  return {
    issueToken: params => note(context.issueToken(params), true),
    findCatalogUser: query =>
      note(context.findCatalogUser(query), false, query),
    signInWithCatalogUser: (query, options) =>
      note(context.signInWithCatalogUser(query, options), true, query),
    resolveOwnershipEntityRefs: entity =>
      context.resolveOwnershipEntityRefs(entity),
  };
}

/**
 * The factory of a provider another backend module added through
 * `identityAuthProvidersExtensionPoint`, with each sign-in through its frame
 * handler recorded. Its factory is its own, so the sign-in is read from
 * the resolver context the auth plugin hands it: success when its sign-in
 * resolver got a Backstage token, failure when the resolver asked the
 * catalog and got none. A consent cancelled at the provider, a resolver
 * that refuses before asking the catalog, and a session refresh are not
 * recorded.
 */
export function recordedSignInsOfAddedProvider(
  factory: AuthProviderFactory,
  record: SignInRecorder,
): AuthProviderFactory {
  return options =>
    withRecordedFrames(
      factory({
        ...options,
        resolverContext: observedResolverContext(options.resolverContext),
      }),
      options.providerId,
      record,
    );
}
