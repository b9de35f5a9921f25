import { isSecretVariable, looksLikeSecretName } from './secrets';

describe('looksLikeSecretName', () => {
  it.each([
    'GITHUB_PAT',
    'LDAP_SECRET',
    'SONARQUBE_API_KEY',
    'AUTH_SESSION_SECRET',
    'GITLAB_TOKEN',
    'KEYCLOAK_CLIENT_SECRET',
    'DB_PASSWORD',
    'SMTP_PASS',
    'GCP_CREDENTIALS',
    'SERVICE_CREDENTIAL',
    'SIGNING_KEYS',
    'LDAP_SECRET2',
    'githubToken',
    'api_key',
  ])('%s looks secret', name => {
    expect(looksLikeSecretName(name)).toBe(true);
  });

  it.each([
    'GITHUB_ORG',
    'KEYCLOAK_CLIENT_ID',
    'KEYCLOAK_REALM',
    'LDAP_DN',
    'GITLAB_HOST',
    'JENKINS_USERNAME',
    'K8S_CLUSTER_CA_DATA',
    // a secret word inside a part is not a part
    'MONKEY_NAME',
    'PATH',
    'PASSAGE_URL',
    'TOKENIZER_MODEL',
    'KEYCLOAK_BASE_URL',
    'COMPASS_HOST',
  ])('%s does not look secret', name => {
    expect(looksLikeSecretName(name)).toBe(false);
  });
});

describe('isSecretVariable', () => {
  it('infers from the name when the flag is missing', () => {
    expect(isSecretVariable('GITHUB_PAT', {})).toBe(true);
    expect(isSecretVariable('GITHUB_ORG', {})).toBe(false);
    expect(isSecretVariable('GITHUB_PAT')).toBe(true);
    expect(isSecretVariable('GITHUB_ORG')).toBe(false);
  });

  it('lets an explicit flag win over the name', () => {
    expect(isSecretVariable('GITHUB_ORG', { secret: true })).toBe(true);
    expect(isSecretVariable('KEYCLOAK_REALM', { secret: true })).toBe(true);
    expect(isSecretVariable('TOKEN_ISSUER_URL', { secret: false })).toBe(false);
    expect(isSecretVariable('GITHUB_PAT', { secret: false })).toBe(false);
  });
});
