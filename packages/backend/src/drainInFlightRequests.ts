/*
 * Graceful stop, the HTTP part. On SIGTERM Backstage runs its
 * before-shutdown hooks (readiness turns 503 there), then the plugins'
 * shutdown hooks, then closes the listener and waits for the requests
 * still open. A request in flight that calls another plugin over HTTP on
 * this same backend (an LDAP sign-in looking up its catalog User, say)
 * fails once the listener is closed. So the listener stays open until
 * the requests in flight when the stop began have been answered, bounded
 * by a grace period; Backstage's own `backend.lifecycle.serverShutdownDelay`
 * is a fixed wait that knows nothing of the requests.
 */
import { ServerResponse, Server } from 'node:http';
import {
  LifecycleService,
  LoggerService,
  RootLifecycleService,
} from '@backstage/backend-plugin-api';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';

/**
 * How long a stopping backend waits for the requests in flight before it
 * closes its listener anyway: below the 30 s a process manager such as
 * Kubernetes (`terminationGracePeriodSeconds`) or systemd commonly grants
 * between SIGTERM and SIGKILL.
 */
const DEFAULT_DRAIN_GRACE_MS = 20_000;

/** The responses a server has not finished yet. */
export class InFlightRequests {
  readonly #open = new Set<ServerResponse>();

  /** Follows every request the server receives until its response closes. */
  constructor(server: Server) {
    server.on('request', (_req, res: ServerResponse) => {
      this.#open.add(res);
      res.once('close', () => this.#open.delete(res));
    });
  }

  /** How many responses are open now. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Resolves `true` once every response open now has closed (requests
   * that arrive meanwhile are served, not waited for), or `false` when
   * the grace period ran out first.
   */
  async drain(graceMs: number): Promise<boolean> {
    const pending = [...this.#open].map(
      res => new Promise<void>(resolve => res.once('close', () => resolve())),
    );
    if (pending.length === 0) {
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>(resolve => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    try {
      return await Promise.race([
        Promise.all(pending).then(() => true as const),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function isRootLifecycle(
  lifecycle: LifecycleService,
): lifecycle is RootLifecycleService {
  return (
    typeof (lifecycle as Partial<RootLifecycleService>)
      .addBeforeShutdownHook === 'function'
  );
}

/**
 * Waits, when the backend stops, for the requests in flight to be
 * answered while the listener is still open; then Backstage shuts the
 * plugins down and closes the listener as usual.
 */
export function drainOnShutdown(options: {
  server: Server;
  lifecycle: LifecycleService;
  logger: LoggerService;
  graceMs: number;
}): void {
  const { lifecycle, logger, graceMs } = options;
  const inFlight = new InFlightRequests(options.server);
  const drain = async () => {
    const count = inFlight.size;
    if (count === 0) {
      return;
    }
    logger.info(
      `Stopping: answering ${count} request(s) in flight before closing the listener (at most ${graceMs} ms)`,
    );
    if (!(await inFlight.drain(graceMs))) {
      logger.warn(
        `Stopping: requests still in flight after ${graceMs} ms; closing the listener anyway`,
      );
    }
  };
  // The router factory is handed the root lifecycle (it depends on
  // coreServices.rootLifecycle), typed as the plugin one: before-shutdown
  // runs ahead of the plugins' shutdown, while everything still serves.
  if (isRootLifecycle(lifecycle)) {
    lifecycle.addBeforeShutdownHook(drain);
  } else {
    lifecycle.addShutdownHook(drain);
  }
}

/**
 * Backstage's root HTTP router, with its defaults, that lets the requests
 * in flight finish when the backend stops (see {@link drainOnShutdown}).
 */
export function drainingRootHttpRouterServiceFactory(
  options: { graceMs?: number } = {},
) {
  return rootHttpRouterServiceFactory({
    configure(context) {
      drainOnShutdown({
        server: context.server,
        lifecycle: context.lifecycle,
        logger: context.logger,
        graceMs: options.graceMs ?? DEFAULT_DRAIN_GRACE_MS,
      });
      context.applyDefaults();
    },
  });
}
