import { Config } from '@backstage/config';
import { DoctorCheck, DoctorCheckFactory } from './doctorCheck';

const KEY = 'auth.providers';

/**
 * The redirect URI an OAuth provider of Backstage's auth plugin sends: its
 * `callbackUrl` when set, else the auth plugin's handler below the
 * backend's base URL.
 */
function redirectUri(config: Config, id: string, block: Config): string {
  return (
    block.getOptionalString('callbackUrl') ??
    `${config
      .getString('backend.baseUrl')
      .replace(/\/+$/, '')}/api/auth/${id}/handler/frame`
  );
}

/**
 * `auth.providers`: for each OAuth client (a provider whose block for
 * `auth.environment` has a `clientId`), the redirect URI the backend will
 * send, printed for the operator to compare with the provider's
 * registration. Nothing is asked of the provider: the registration is not
 * readable with the client's own credentials.
 */
export const redirectUriChecks: DoctorCheckFactory = config => {
  const environment =
    config.getOptionalString('auth.environment') ?? 'development';
  const providers = config.getConfig(KEY);
  return providers.keys().flatMap((id): DoctorCheck[] => {
    const block = providers.getOptionalConfig(`${id}.${environment}`);
    if (!block?.has('clientId')) {
      return [];
    }
    const key = `${KEY}.${id}.${environment}`;
    return [
      {
        id: key,
        title: 'OAuth redirect URI',
        run: async () => ({
          status: 'info',
          message: `${redirectUri(
            config,
            id,
            block,
          )}; the client registered at the provider must allow exactly this`,
        }),
      },
    ];
  });
};
