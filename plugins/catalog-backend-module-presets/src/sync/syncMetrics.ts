import { MetricsService } from '@backstage/backend-plugin-api/alpha';
import {
  PresetSyncCounts,
  PresetSyncOutcome,
} from '@devportal/plugin-preset-providers-node';

/** The `outcome` label of `devportal_org_sync_runs_total`. */
export type OrgSyncRunOutcome = 'applied' | 'refused' | 'failed';

/**
 * The metric outcome of a run's status outcome: a run that applied
 * nothing without being refused (it failed, was rate limited, or produced
 * no result) is a failed run to an operator's alert.
 */
export function orgSyncRunOutcome(
  outcome: PresetSyncOutcome,
): OrgSyncRunOutcome {
  if (outcome === 'applied' || outcome === 'refused') {
    return outcome;
  }
  return 'failed';
}

/**
 * The data points one org sync run adds: labels carry the provider name
 * (as the status endpoint names it) and fixed words only, never a value
 * from the source.
 */
export function orgSyncRunPoints(run: {
  provider: string;
  outcome: PresetSyncOutcome;
  durationMs: number;
  counts?: PresetSyncCounts;
}) {
  const { provider } = run;
  const outcome = orgSyncRunOutcome(run.outcome);
  return {
    run: { value: 1, attributes: { provider, outcome } },
    duration: { value: run.durationMs / 1000, attributes: { provider } },
    entities:
      outcome === 'applied' && run.counts
        ? [
            {
              value: run.counts.users,
              attributes: { provider, kind: 'users' },
            },
            {
              value: run.counts.groups,
              attributes: { provider, kind: 'groups' },
            },
          ]
        : [],
  };
}

/** Records org sync runs as OpenTelemetry metrics (Prometheus: `devportal_org_sync_*`). */
export interface OrgSyncMetrics {
  /** A provider exists: its pending gauge reads 0 from the start. */
  register(provider: string): void;
  recordRun(run: Parameters<typeof orgSyncRunPoints>[0]): void;
}

/**
 * The `devportal_sync_pending` points: 1 for each registered provider with
 * a held run, 0 for the others.
 */
export function pendingPoints(
  providers: Iterable<string>,
  pending: Set<string>,
) {
  return [...providers].map(provider => ({
    value: pending.has(provider) ? 1 : 0,
    attributes: { provider },
  }));
}

/**
 * The org sync metrics on the catalog plugin's meter. The pending gauge is
 * read from the database at each scrape (`pendingProviders`), so every
 * replica reports the runs held for all of them, and a restart too.
 */
export function createOrgSyncMetrics(
  metrics: MetricsService,
  pendingProviders: () => Promise<Set<string>>,
): OrgSyncMetrics {
  const runs = metrics.createCounter('devportal_org_sync_runs_total', {
    description: 'Org sync runs by how they ended: applied, refused or failed',
  });
  const duration = metrics.createHistogram(
    'devportal_org_sync_duration_seconds',
    { description: 'How long an org sync run took, in seconds' },
  );
  const entities = metrics.createGauge('devportal_org_sync_entities', {
    description: 'Users and groups of the last applied org sync',
  });
  const registered = new Set<string>();
  metrics
    .createObservableGauge('devportal_sync_pending', {
      description: '1 while a refused org sync run waits for approval',
    })
    .addCallback(async result => {
      if (registered.size === 0) {
        return;
      }
      for (const point of pendingPoints(registered, await pendingProviders())) {
        result.observe(point.value, point.attributes);
      }
    });
  return {
    register(provider) {
      registered.add(provider);
    },
    recordRun(run) {
      const points = orgSyncRunPoints(run);
      runs.add(points.run.value, points.run.attributes);
      duration.record(points.duration.value, points.duration.attributes);
      for (const point of points.entities) {
        entities.record(point.value, point.attributes);
      }
    },
  };
}
