import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  LoggerService,
  RootLifecycleService,
} from '@backstage/backend-plugin-api';
import { InFlightRequests, drainOnShutdown } from './drainInFlightRequests';

/** GETs a URL on a connection of its own (no pool left behind), resolving with the body. */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (body += chunk));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** A server whose `/slow` requests wait until released; others answer at once. */
async function startServer() {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      held.push(res);
      return;
    }
    res.end('fast');
  });
  // Tracking starts before any request, as in the router factory.
  const inFlight = new InFlightRequests(server);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const releaseAll = () => held.splice(0).forEach(res => res.end('slow'));
  const received = async (count: number) => {
    while (held.length < count) {
      await new Promise(r => setTimeout(r, 10));
    }
  };
  return { server, inFlight, url, releaseAll, received };
}

function closeServer(server: http.Server) {
  server.closeAllConnections();
  return new Promise(r => server.close(r));
}

/** Backstage's lifecycle contract, enough to run the before-shutdown hooks. */
function rootLifecycle() {
  const beforeShutdown: Array<() => void | Promise<void>> = [];
  const lifecycle: RootLifecycleService = {
    addStartupHook: () => {},
    addShutdownHook: () => {},
    addBeforeShutdownHook: hook => {
      beforeShutdown.push(hook);
    },
  };
  return {
    lifecycle,
    runBeforeShutdown: () => Promise.all(beforeShutdown.map(hook => hook())),
  };
}

function collectingLogger() {
  const lines: string[] = [];
  const logger: LoggerService = {
    error: m => lines.push(`error ${m}`),
    warn: m => lines.push(`warn ${m}`),
    info: m => lines.push(`info ${m}`),
    debug: () => {},
    child: () => logger,
  };
  return { logger, lines };
}

describe('InFlightRequests', () => {
  it('drains at once when nothing is in flight', async () => {
    const s = await startServer();
    try {
      expect(await s.inFlight.drain(1_000)).toBe(true);
    } finally {
      await closeServer(s.server);
    }
  });

  it('waits for the responses open when the drain began, not for later ones', async () => {
    const s = await startServer();
    try {
      const first = get(`${s.url}/slow`);
      await s.received(1);
      expect(s.inFlight.size).toBe(1);

      let drained: boolean | undefined;
      const draining = s.inFlight.drain(5_000).then(d => (drained = d));
      // A request that arrives during the drain is still served.
      expect(await get(`${s.url}/fast`)).toBe('fast');
      await new Promise(r => setTimeout(r, 100));
      expect(drained).toBeUndefined();

      s.releaseAll();
      expect(await first).toBe('slow');
      await draining;
      expect(drained).toBe(true);
      expect(s.inFlight.size).toBe(0);
    } finally {
      await closeServer(s.server);
    }
  });

  it('gives up after the grace period', async () => {
    const s = await startServer();
    try {
      get(`${s.url}/slow`).catch(() => {});
      await s.received(1);
      const started = Date.now();
      expect(await s.inFlight.drain(200)).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await closeServer(s.server);
    }
  });
});

describe('drainOnShutdown', () => {
  it('holds the before-shutdown phase until the request in flight is answered', async () => {
    const s = await startServer();
    const { lifecycle, runBeforeShutdown } = rootLifecycle();
    const { logger, lines } = collectingLogger();
    try {
      drainOnShutdown({ server: s.server, lifecycle, logger, graceMs: 5_000 });
      const slow = get(`${s.url}/slow`);
      await s.received(1);

      let done = false;
      const stopping = runBeforeShutdown().then(() => (done = true));
      await new Promise(r => setTimeout(r, 100));
      expect(done).toBe(false);

      s.releaseAll();
      await stopping;
      expect(await slow).toBe('slow');
      expect(lines).toEqual([
        'info Stopping: answering 1 request(s) in flight before closing the listener (at most 5000 ms)',
      ]);
    } finally {
      await closeServer(s.server);
    }
  });

  it('says so when the grace period runs out', async () => {
    const s = await startServer();
    const { lifecycle, runBeforeShutdown } = rootLifecycle();
    const { logger, lines } = collectingLogger();
    try {
      drainOnShutdown({ server: s.server, lifecycle, logger, graceMs: 100 });
      get(`${s.url}/slow`).catch(() => {});
      await s.received(1);
      await runBeforeShutdown();
      expect(lines[1]).toBe(
        'warn Stopping: requests still in flight after 100 ms; closing the listener anyway',
      );
    } finally {
      await closeServer(s.server);
    }
  });
});
