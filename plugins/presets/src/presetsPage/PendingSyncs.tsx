import { useCallback, useEffect, useState } from 'react';
import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  PendingSync,
  PendingSyncList,
  presetsSyncApprovePermission,
} from '@devportal/plugin-presets-sync-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import {
  decidePendingSync,
  loadPendingSyncs,
  PendingSyncDecision,
  PresetsApiError,
} from './api';

/** How many names a list shows before "and K more". */
export const SHOWN_NAMES = 10;

const APPROVER_HINT = `Approving and rejecting need the permission ${presetsSyncApprovePermission.name}: RBAC admins hold it; with the permission framework off, only a service principal (a static token of backend.auth.externalAccess, e.g. through "yarn presets sync") does.`;

/** `user:default/alice` as "alice (user)"; another namespace is kept ("acme/platform (group)"). */
export function readableEntityRef(ref: string): string {
  try {
    const { kind, namespace, name } = parseEntityRef(ref);
    const where = namespace === 'default' ? name : `${namespace}/${name}`;
    return `${where} (${kind.toLocaleLowerCase('en-US')})`;
  } catch {
    // Not an entity ref after all: show it as the backend sent it.
    return ref;
  }
}

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/** A list of entity refs, the first {@link SHOWN_NAMES} of a long one with "and K more". */
function EntityNames(props: { label: string; refs: string[] }) {
  const { label, refs } = props;
  const [all, setAll] = useState(false);
  const shown = all ? refs : refs.slice(0, SHOWN_NAMES);
  const hidden = refs.length - shown.length;
  return (
    <Box mt={1}>
      <Typography variant="subtitle2">
        {label}: {plural(refs.length, 'entity', 'entities')}
      </Typography>
      <Typography variant="body2" aria-label={label}>
        {refs.length === 0 ? 'none' : shown.map(readableEntityRef).join(', ')}
        {hidden > 0 && ` and ${hidden} more `}
        {hidden > 0 && (
          <Button size="small" onClick={() => setAll(true)}>
            Show all
          </Button>
        )}
      </Typography>
    </Box>
  );
}

function describeCount(count: { last: number; now: number }) {
  return `${count.last} → ${count.now}`;
}

function whenRefused(at: string) {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toLocaleString();
}

/** One pending change: what it is, what approving it changes, and (to those allowed) the buttons. */
function PendingSyncItem(props: {
  pending: PendingSync;
  allowed: boolean;
  busy: boolean;
  onDecide: (provider: string, decision: PendingSyncDecision) => void;
}) {
  const { pending, allowed, busy, onDecide } = props;
  const [confirming, setConfirming] = useState(false);
  const title = `Approve the org sync ${pending.provider}?`;
  return (
    <Box component="section" aria-label={pending.provider} mb={3}>
      <Typography variant="h6">{pending.provider}</Typography>
      <Typography variant="body2">
        Refused {whenRefused(pending.refusedAt)}: {pending.reason}
      </Typography>
      <Typography variant="body2">
        Users {describeCount(pending.users)}, groups{' '}
        {describeCount(pending.groups)} (last applied → refused run)
      </Typography>
      <EntityNames label="Approving removes" refs={pending.removed} />
      <EntityNames label="Approving adds" refs={pending.added} />
      {allowed && (
        <Box mt={1} display="flex" style={{ gap: 8 }}>
          <Button
            variant="contained"
            color="secondary"
            disabled={busy}
            onClick={() => setConfirming(true)}
          >
            Approve
          </Button>
          <Button
            variant="outlined"
            disabled={busy}
            onClick={() => onDecide(pending.provider, 'reject')}
          >
            Reject
          </Button>
        </Box>
      )}
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        aria-label={title}
      >
        <DialogTitle>{title}</DialogTitle>
        <DialogContent>
          <DialogContentText>
            The refused run is applied to the catalog now:{' '}
            {plural(pending.removed.length, 'entity is', 'entities are')}{' '}
            deleted from it (users {describeCount(pending.users)}, groups{' '}
            {describeCount(pending.groups)}) and{' '}
            {plural(pending.added.length, 'entity is', 'entities are')} added.
            Deleted users can no longer sign in.
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
          <Button
            color="secondary"
            onClick={() => {
              setConfirming(false);
              onDecide(pending.provider, 'approve');
            }}
          >
            Approve and delete
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

/** What the last approve or reject did. */
type Outcome =
  | { ok: true; message: string }
  | { ok: false; title: string; error: Error };

function OutcomePanel(props: { outcome: Outcome }) {
  const { outcome } = props;
  if (outcome.ok) {
    return (
      <Typography variant="body2" role="status">
        {outcome.message}
      </Typography>
    );
  }
  return (
    <WarningPanel severity="error" title={outcome.title} defaultExpanded>
      <ErrorMessage error={outcome.error} />
    </WarningPanel>
  );
}

/**
 * The backend's own message, shown open (not folded in the panel); on a
 * 403 also who may approve, since with the permission framework off the
 * page offers the buttons to everyone while the backend lets only service
 * principals through.
 */
function ErrorMessage(props: { error: Error }) {
  const { error } = props;
  return (
    <>
      <Typography variant="body2">{error.message}</Typography>
      {error instanceof PresetsApiError && error.status === 403 && (
        <Typography variant="body2">{APPROVER_HINT}</Typography>
      )}
    </>
  );
}

/**
 * The org syncs the guard refused, held until a person approves or
 * rejects them (`GET /api/presets/sync/pending`). Approve and reject are
 * offered to those the permission framework allows
 * `presets.sync.approve`; the backend decides in the end, and its refusal
 * is shown as it says it.
 */
export function PendingSyncs() {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const permission = usePermission({
    permission: presetsSyncApprovePermission,
  });
  const [list, setList] = useState<
    | { loading: true }
    | { loading: false; error: Error }
    | { loading: false; error?: undefined; value: PendingSyncList }
  >({ loading: true });
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();

  const reload = useCallback(
    () =>
      loadPendingSyncs({ discoveryApi, fetchApi }).then(
        value => setList({ loading: false, value }),
        error => setList({ loading: false, error }),
      ),
    [discoveryApi, fetchApi],
  );

  useEffect(() => {
    reload();
  }, [reload]);

  const decide = (provider: string, decision: PendingSyncDecision) => {
    setBusy(true);
    setOutcome(undefined);
    decidePendingSync({ discoveryApi, fetchApi }, provider, decision)
      .then(
        () =>
          setOutcome({
            ok: true,
            message:
              decision === 'approve'
                ? `Approved ${provider}: its held result is applied to the catalog.`
                : `Rejected ${provider}: its held result is dropped; the catalog keeps what it has.`,
          }),
        error =>
          setOutcome({
            ok: false,
            title: `Could not ${decision} ${provider}`,
            error,
          }),
      )
      .then(reload)
      .finally(() => setBusy(false));
  };

  const allowed = !permission.loading && permission.allowed;
  if (
    !list.loading &&
    list.error instanceof PresetsApiError &&
    list.error.status === 403 &&
    (permission.loading || !allowed)
  ) {
    // Not theirs to see, and the permission framework agrees: no card.
    return null;
  }

  let body;
  if (list.loading) {
    body = <Progress />;
  } else if (list.error) {
    body = (
      <WarningPanel
        severity="error"
        title="Could not read the pending org syncs"
        defaultExpanded
      >
        <ErrorMessage error={list.error} />
      </WarningPanel>
    );
  } else if (list.value.items.length === 0) {
    body = (
      <Typography variant="body2">
        No refused org sync is waiting for a person.
      </Typography>
    );
  } else {
    body = list.value.items.map(pending => (
      <PendingSyncItem
        key={pending.provider}
        pending={pending}
        allowed={allowed}
        busy={busy}
        onDecide={decide}
      />
    ));
  }

  return (
    <Grid item xs={12}>
      <InfoCard title="Refused org syncs waiting for approval">
        {outcome && <OutcomePanel outcome={outcome} />}
        {body}
      </InfoCard>
    </Grid>
  );
}
