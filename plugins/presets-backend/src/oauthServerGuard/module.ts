import {
  RootConfigService,
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { isOAuthServerEnabled } from '../oauthServerChecks';
import { createOAuthServerGuardRouter } from './router';
import {
  RegistrationRateLimiter,
  readCodeBinding,
  readSessionClientId,
  recordPublicClient,
} from './stores';

/** Registrations per client address and window, unless configured. */
const DEFAULT_REGISTRATIONS_PER_ADDRESS = 20;
const DEFAULT_WINDOW_MINUTES = 60;

/** The registration rate limit of `presets.oauthServer.registrationLimit`. */
function readRegistrationLimit(config: RootConfigService): {
  limit: number;
  windowMs: number;
} {
  const key = 'presets.oauthServer.registrationLimit';
  const limit =
    config.getOptionalNumber(`${key}.perAddress`) ??
    DEFAULT_REGISTRATIONS_PER_ADDRESS;
  const minutes =
    config.getOptionalNumber(`${key}.windowMinutes`) ?? DEFAULT_WINDOW_MINUTES;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(
      `${key}.perAddress must be a whole number of at least 1, got ${limit}`,
    );
  }
  if (!(minutes > 0)) {
    throw new Error(
      `${key}.windowMinutes must be a number of minutes above 0, got ${minutes}`,
    );
  }
  return { limit, windowMs: Math.round(minutes * 60_000) };
}

/**
 * A module of the auth plugin that guards Backstage's OAuth 2.1
 * authorization server (`@backstage/plugin-auth-backend` 0.30.x, the one
 * MCP clients use) where that release falls short of the MCP authorization
 * spec: PKCE with S256 for every authorization, a code redeemable only by
 * its own client, and dynamic client registration limited per client
 * address and in size. Registrations and consent approvals are audited
 * (`oauth-client-registered`, `mcp-consent-approved`). Modules start
 * before their plugin, so its routes come first in the auth plugin's
 * router. Nothing is added while the
 * authorization server is off.
 *
 * @public
 */
export const oauthServerGuardModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'presets-oauth-server-guard',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        auditor: coreServices.auditor,
        httpAuth: coreServices.httpAuth,
      },
      async init({ config, database, httpRouter, logger, auditor, httpAuth }) {
        if (!isOAuthServerEnabled(config)) {
          return;
        }
        const db = await database.getClient();
        const dcrEnabled =
          config.getOptionalBoolean(
            'auth.experimentalDynamicClientRegistration.enabled',
          ) === true;
        const limiter = dcrEnabled
          ? await RegistrationRateLimiter.create({
              database,
              ...readRegistrationLimit(config),
            })
          : undefined;
        httpRouter.use(
          createOAuthServerGuardRouter({
            logger,
            auditor,
            httpAuth,
            readSessionClientId: sessionId =>
              readSessionClientId(db, sessionId),
            readCodeBinding: code => readCodeBinding(db, code),
            takeRegistration: limiter && (address => limiter.take(address)),
            recordPublicClient: clientId => recordPublicClient(db, clientId),
          }),
        );
      },
    });
  },
});
