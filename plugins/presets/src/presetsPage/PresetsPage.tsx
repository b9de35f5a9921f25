import { useEffect, useState } from 'react';
import {
  Content,
  InfoCard,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import {
  LoadedPlugin,
  loadPresetsOverview,
  NEVER_RUN,
  PresetsStatus,
  SyncRunStatus,
} from './api';
import { PendingSyncs } from './PendingSyncs';

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/** "applied 4 users, 3 groups (7 entities)" with the time and duration. */
function describeRun(run: SyncRunStatus | typeof NEVER_RUN): string {
  if (run === NEVER_RUN) {
    return NEVER_RUN;
  }
  const counts = run.counts
    ? `: ${plural(run.counts.users, 'user', 'users')}, ${plural(
        run.counts.groups,
        'group',
        'groups',
      )}, ${plural(run.counts.entities, 'entity', 'entities')}`
    : '';
  const at = new Date(run.at);
  const when = Number.isNaN(at.getTime()) ? run.at : at.toLocaleString();
  return `${run.outcome}${counts} (${when}, ${run.durationMs} ms)`;
}

function SimpleTable(props: {
  label: string;
  head: string[];
  rows: string[][];
  empty: string;
}) {
  if (props.rows.length === 0) {
    return <Typography variant="body2">{props.empty}</Typography>;
  }
  return (
    <Table size="small" aria-label={props.label}>
      <TableHead>
        <TableRow>
          {props.head.map(h => (
            <TableCell key={h}>{h}</TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {props.rows.map(row => (
          <TableRow key={row.join('\u0000')}>
            {row.map((cell, i) => (
              <TableCell key={props.head[i]}>{cell}</TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** One section of the overview: a card whose table carries the card's title as its label. */
function TableCard(props: {
  title: string;
  wide?: boolean;
  head: string[];
  rows: string[][];
  empty: string;
}) {
  const { title, wide, ...table } = props;
  return (
    <Grid item xs={12} md={wide ? 12 : 6}>
      <InfoCard title={title}>
        <SimpleTable label={title} {...table} />
      </InfoCard>
    </Grid>
  );
}

function Overview(props: { status: PresetsStatus; plugins: LoadedPlugin[] }) {
  const { status, plugins } = props;
  const signIn = status.auth.providers.length
    ? status.auth.providers.map(p => `${p.title} (${p.id})`).join(', ')
    : 'none: nobody can sign in';
  return (
    <Grid container spacing={3}>
      <PendingSyncs />
      <TableCard
        title="Selected presets"
        head={['Preset', 'Version']}
        rows={status.presets.map(p => [p.name, p.version])}
        empty="No preset is selected (VEECODE_PRESETS is empty)."
      />
      <TableCard
        title="Sign-in"
        head={['Identity preset', 'Provider']}
        rows={[[status.auth.preset ?? 'none (guest sign-in)', signIn]]}
        empty=""
      />
      <TableCard
        wide
        title="Org sync and discovery"
        head={['Source', 'Kind', 'Last run', 'Last applied run']}
        rows={status.sync.map(s => [
          s.provider,
          s.kind === 'org' ? 'org sync' : 'discovery',
          describeRun(s.lastRun),
          describeRun(s.lastApplied),
        ])}
        empty="The selected presets sync no people, groups or entities."
      />
      <TableCard
        wide
        title="Plugins"
        head={['Package', 'Version', 'Role', 'Enabled by']}
        rows={plugins.map(p => [
          p.package,
          p.version,
          p.role,
          p.preset ? `preset ${p.preset}` : 'the backend (built in)',
        ])}
        empty="No plugins reported."
      />
    </Grid>
  );
}

/**
 * The presets page: the org syncs the guard refused, waiting for a person
 * to approve or reject them; the selected presets with their versions, the
 * sign-in provider, each org sync and discovery source with its last run
 * and last applied run, and the plugins the presets loaded.
 */
export function PresetsPage() {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const [state, setState] = useState<
    | { loading: true }
    | { loading: false; error: Error }
    | {
        loading: false;
        error?: undefined;
        status: PresetsStatus;
        plugins: LoadedPlugin[];
      }
  >({ loading: true });

  useEffect(() => {
    let cancelled = false;
    loadPresetsOverview({ discoveryApi, fetchApi }).then(
      value => !cancelled && setState({ loading: false, ...value }),
      error => !cancelled && setState({ loading: false, error }),
    );
    return () => {
      cancelled = true;
    };
  }, [discoveryApi, fetchApi]);

  return (
    <Content>
      {state.loading && <Progress />}
      {!state.loading && state.error && (
        <WarningPanel
          severity="error"
          title="Could not read what the presets set up"
          message={state.error.message}
        />
      )}
      {!state.loading && !state.error && (
        <Overview status={state.status} plugins={state.plugins} />
      )}
    </Content>
  );
}
