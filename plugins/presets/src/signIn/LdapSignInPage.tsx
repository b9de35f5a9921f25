import { FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import {
  Content,
  Header,
  InfoCard,
  Page,
  Progress,
  UserIdentity,
} from '@backstage/core-components';
import {
  BackstageIdentityResponse,
  configApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { ldapAuthApiRef } from '../apis/ldapAuthApi';

/** What the form's two fields share. */
const fieldLayout = {
  required: true,
  fullWidth: true,
  margin: 'normal',
  variant: 'outlined',
} as const;

/**
 * The LDAP sign-in page: a username and password form. A session the
 * backend still holds (its cookie) signs the person in without the form.
 */
export function LdapSignInPage(props: SignInPageProps) {
  const { onSignInSuccess } = props;
  const ldapApi = useApi(ldapAuthApiRef);
  const configApi = useApi(configApiRef);
  const [checking, setChecking] = useState(true);
  const [submitting, setSubmitting] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const passwordRef = useRef<HTMLInputElement>(null);

  const complete = useCallback(
    async (response: BackstageIdentityResponse) => {
      const profile = await ldapApi.getProfile();
      onSignInSuccess(
        UserIdentity.create({
          identity: response.identity,
          authApi: ldapApi,
          profile,
        }),
      );
    },
    [ldapApi, onSignInSuccess],
  );

  useEffect(() => {
    let cancelled = false;
    ldapApi
      .getBackstageIdentity({ optional: true })
      .then(async response => {
        if (cancelled) {
          return;
        }
        if (response) {
          await complete(response);
        } else {
          setChecking(false);
        }
      })
      .catch(e => {
        if (!cancelled) {
          setError(`Could not check for an existing session: ${e.message}`);
          setChecking(false);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [ldapApi, complete]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    setError(undefined);
    try {
      await complete(await ldapApi.signInWithPassword({ username, password }));
    } catch (e) {
      // The backend's message says what went wrong (wrong credentials, the
      // throttle's wait, no catalog user); the form stays for another try.
      setError(e instanceof Error ? e.message : String(e));
      setPassword('');
      setSubmitting(false);
      passwordRef.current?.focus();
    }
  };

  if (checking) {
    return <Progress />;
  }
  return (
    <Page themeId="home">
      <Header title={configApi.getOptionalString('app.title') ?? 'Backstage'} />
      <Content>
        <Grid container justifyContent="center">
          <Grid item xs={12} sm={8} md={5} lg={4}>
            <InfoCard title="Sign in" subheader="With your directory account">
              <form onSubmit={onSubmit} aria-label="Sign in">
                <TextField
                  id="ldap-sign-in-username"
                  label="Username"
                  name="username"
                  autoComplete="username"
                  value={username}
                  onChange={e => setUsername(e.target.value)}
                  {...fieldLayout}
                />
                <TextField
                  id="ldap-sign-in-password"
                  label="Password"
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  value={password}
                  onChange={e => setPassword(e.target.value)}
                  inputRef={passwordRef}
                  {...fieldLayout}
                />
                {error && (
                  <Typography role="alert" color="error" variant="body2">
                    {error}
                  </Typography>
                )}
                <Button
                  type="submit"
                  color="primary"
                  variant="contained"
                  disabled={submitting}
                  style={{ marginTop: 16 }}
                >
                  Sign in
                </Button>
              </form>
            </InfoCard>
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}
