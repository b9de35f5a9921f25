import { ComponentType } from 'react';
import {
  Content,
  Header,
  InfoCard,
  Page,
  SignInPage,
} from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/frontend-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import Typography from '@material-ui/core/Typography';
import { LdapSignInPage } from './LdapSignInPage';
import {
  defaultPresetsSignInProviders,
  PresetsSignInProvider,
  readSignInChoice,
} from './signInChoice';

function Notice(props: { title: string; children: string[] }) {
  const configApi = useApi(configApiRef);
  return (
    <Page themeId="home">
      <Header title={configApi.getOptionalString('app.title') ?? 'Backstage'} />
      <Content>
        <InfoCard title={props.title}>
          {props.children.map(paragraph => (
            <Typography key={paragraph} variant="body1" paragraph>
              {paragraph}
            </Typography>
          ))}
        </InfoCard>
      </Content>
    </Page>
  );
}

/** Options of {@link createPresetsSignInPage}. @public */
export interface PresetsSignInPageOptions {
  /**
   * The sign-in pages by `signInPage` value; defaults to
   * {@link defaultPresetsSignInProviders}. Spread the defaults to add one.
   */
  providers?: Readonly<Record<string, PresetsSignInProvider>>;
}

/**
 * A sign-in page that follows the selected identity preset: the LDAP form,
 * one provider button (GitHub, GitLab, Microsoft, Keycloak, Okta, any OIDC
 * provider), the guest
 * button without an identity preset, or what to configure when there is
 * no way to sign in.
 *
 * @public
 */
export function createPresetsSignInPage(
  options: PresetsSignInPageOptions = {},
): ComponentType<SignInPageProps> {
  const providers = options.providers ?? defaultPresetsSignInProviders;
  return function PresetsSignInPageComponent(props: SignInPageProps) {
    const configApi = useApi(configApiRef);
    const choice = readSignInChoice(configApi, providers);
    if (choice.kind === 'provider') {
      const provider = choice.provider;
      if (provider.type === 'ldap-form') {
        return <LdapSignInPage {...props} />;
      }
      return (
        <SignInPage
          {...props}
          align="center"
          providers={[
            {
              id: provider.id,
              title: provider.title,
              message: provider.message,
              apiRef: provider.apiRef,
            },
          ]}
        />
      );
    }
    if (choice.kind === 'guest') {
      return <SignInPage {...props} providers={['guest']} />;
    }
    if (choice.kind === 'unknown') {
      return (
        <Notice title="Sign-in is not available">
          {[
            `The selected identity preset asks for the sign-in page "${choice.name}", which this portal does not provide.`,
            `Known sign-in pages: ${choice.known.join(
              ', ',
            )}. Fix the preset's signInPage setting, or add the page to the app's sign-in providers.`,
          ]}
        </Notice>
      );
    }
    return (
      <Notice title="No sign-in is configured">
        {[
          'No identity preset is selected, and guest sign-in is off (NODE_ENV=production without DEVPORTAL_ALLOW_GUEST=true), so nobody can sign in.',
          'Select an identity preset, e.g. VEECODE_PRESETS=recommended,ldap (or ldap-ad, github-auth, gitlab, azure-auth, keycloak, okta, oidc), and restart the backend.',
          'Or, to let anyone who reaches this portal sign in as guest, set DEVPORTAL_ALLOW_GUEST=true.',
        ]}
      </Notice>
    );
  };
}

/**
 * The sign-in page with the shipped identity presets' providers. For a
 * legacy app: `components: { SignInPage: PresetsSignInPage }`.
 *
 * @public
 */
export const PresetsSignInPage = createPresetsSignInPage();
