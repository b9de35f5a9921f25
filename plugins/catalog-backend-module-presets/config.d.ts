import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /**
       * Okta org sync (the `okta` preset), one block per id: users and
       * groups of the org, with memberships, from Okta's Users and Groups API.
       */
      oktaOrg?: {
        [id: string]: {
          /** The org's URL, e.g. `https://acme.okta.com`. */
          orgUrl: string;
          /**
           * An Okta API token of an admin with read access to users and
           * groups (Read-only Administrator is enough).
           * @visibility secret
           */
          token: string;
          /** Okta's `search` expression for the users listed, e.g. `profile.department eq "Engineering"`; every user by default. */
          userFilter?: string;
          /** Okta's `search` expression for the groups listed, e.g. `profile.name sw "eng-"`; every group by default. */
          groupFilter?: string;
          /** How often the sync runs; hourly by default. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
      /**
       * Azure DevOps repository discovery (the `azure` preset), one block
       * per id. The token comes from the `integrations.azure` entry of the
       * same host.
       */
      azureDevOps?: {
        [id: string]: {
          /** Azure DevOps Services (`dev.azure.com`, the default) or an Azure DevOps Server host. */
          host?: string;
          /** The organization (Services) or collection (Server). */
          organization: string;
          /** The project whose repositories are searched. */
          project: string;
          /** A repository name, or `*` (the default) for every repository; may use `*` as a wildcard. */
          repository?: string;
          /** Only files on this branch; defaults to each repository's default branch. */
          branch?: string;
          /** The catalog file to find, from the repository root; defaults to `/catalog-info.yaml`. */
          path?: string;
          /** How often discovery runs; hourly by default. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
  identityPresets?: {
    orgSync?: {
      /**
       * Apply a sync that returns no users (or no groups; for repository
       * discovery, no entities) although the last applied sync had some.
       * Off by default: an empty answer from a directory is far more often a
       * wrong base DN or a lost permission than an empty company.
       *
       * What the last applied sync held is kept in the catalog's database,
       * so this holds across restarts and replicas.
       */
      allowEmpty?: boolean;
      /**
       * Org sync only: refuse a sync that returns fewer users, or fewer
       * groups, than this share of the last applied sync, or of the largest
       * sync applied within `peakWindow` (a number from 0 to 1; default
       * 0.5, i.e. fewer than half). 0 turns the check off. A refused run
       * is held for a person: when the directory really shrank, approve it
       * (`yarn presets sync approve <provider>`, or the presets page).
       * Lowering the share instead lets such runs through without anyone;
       * set it back afterwards: the sync it let through is the new
       * baseline, earlier peaks it fell below no longer count. An empty
       * result is governed by `allowEmpty` alone.
       */
      minRetainedShare?: number;
      /**
       * Org sync only: how long the largest applied sync still counts for
       * `minRetainedShare` (default 7 days). Comparing with the last
       * applied sync alone lets a directory be emptied in steps that each
       * keep half (4, then 2, then 1 user); against the window's peak such
       * steps are refused until the peak is older than the window, so a
       * real shrink is still accepted once it has lasted that long. Any
       * Backstage duration: `7d`, `P7D`, `{ days: 7 }`; `0ms` compares with
       * the last applied sync alone. The applied counts are kept in the
       * catalog's database (table `presets_sync_history`), shared by every
       * replica.
       */
      peakWindow?:
        | string
        | {
            years?: number;
            months?: number;
            weeks?: number;
            days?: number;
            hours?: number;
            minutes?: number;
            seconds?: number;
            milliseconds?: number;
          };
    };
  };
}
