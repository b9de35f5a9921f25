import { azureDevOpsChecks } from './azureDevOpsChecks';
import { DoctorCheckFactory } from './doctorCheck';
import { githubChecks } from './githubChecks';
import { githubDiscoveryChecks, githubOrgSyncChecks } from './githubOrgChecks';
import { gitlabChecks, gitlabGroupChecks } from './gitlabChecks';
import { ldapChecks } from './ldapChecks';
import { postgresChecks } from './postgresChecks';
import { redirectUriChecks } from './redirectUriChecks';

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
  'catalog.providers.github': githubDiscoveryChecks,
  'catalog.providers.githubOrg': githubOrgSyncChecks,
  'integrations.gitlab': gitlabChecks,
  'catalog.providers.gitlab': gitlabGroupChecks,
  'catalog.providers.azureDevOps': azureDevOpsChecks,
};
