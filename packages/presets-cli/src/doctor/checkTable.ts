import { azureDevOpsChecks } from './azureDevOpsChecks';
import { DoctorCheckFactory } from './doctorCheck';
import { githubChecks } from './githubChecks';
import { keycloakChecks } from './keycloakChecks';
import { githubDiscoveryChecks, githubOrgSyncChecks } from './githubOrgChecks';
import { gitlabChecks, gitlabGroupChecks } from './gitlabChecks';
import { ldapChecks } from './ldapChecks';
import { microsoftGraphChecks } from './microsoftGraphChecks';
import { oktaChecks } from './oktaChecks';
import { postgresChecks } from './postgresChecks';
import { redirectUriChecks } from './redirectUriChecks';
import {
  microsoftDiscoveryChecks,
  oidcDiscoveryChecks,
  oktaDiscoveryChecks,
} from './signInDiscoveryChecks';

/**
 * Every check `doctor` knows, keyed on the config key the presets produce
 * (not on preset names): a selection, or an operator's own config, that
 * sets the key gets its checks.
 */
export const DOCTOR_CHECKS: Record<string, DoctorCheckFactory> = {
  'backend.database': postgresChecks,
  'catalog.providers.ldapOrg': ldapChecks,
  'auth.providers': redirectUriChecks,
  'integrations.github': githubChecks,
  'auth.providers.oidc': oidcDiscoveryChecks,
  'auth.providers.okta': oktaDiscoveryChecks,
  'auth.providers.microsoft': microsoftDiscoveryChecks,
  'catalog.providers.keycloakOrg': keycloakChecks,
  'catalog.providers.oktaOrg': oktaChecks,
  'catalog.providers.microsoftGraphOrg': microsoftGraphChecks,
  'catalog.providers.github': githubDiscoveryChecks,
  'catalog.providers.githubOrg': githubOrgSyncChecks,
  'integrations.gitlab': gitlabChecks,
  'catalog.providers.gitlab': gitlabGroupChecks,
  'catalog.providers.azureDevOps': azureDevOpsChecks,
};
