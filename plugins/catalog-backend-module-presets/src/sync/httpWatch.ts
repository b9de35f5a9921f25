/*
 * Sees the HTTP answers a sync run gets, whatever client the upstream
 * provider uses. Upstream providers report an answer like 429 in different
 * ways: some throw with the status and headers, some throw a message
 * without them, some log it and carry on with fewer results, which would
 * then be applied as if complete. Node publishes every request of its
 * `fetch` (undici) and of `http`/`https` on diagnostics channels; a request
 * made inside a watched run is tagged with that run when it is created (in
 * the caller's async context), and its answer is recorded when it arrives.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { HttpAnswer, isRateLimit } from './rateLimit';

/** An HTTP answer that means the source did not give a complete result. */
export interface FailedHttpAnswer extends HttpAnswer {
  /** `origin/path`, without the query (it may hold credentials). */
  url: string;
}

class RunRecord {
  readonly failures: FailedHttpAnswer[] = [];
}

const currentRun = new AsyncLocalStorage<RunRecord>();
const runOfRequest = new WeakMap<object, RunRecord>();

/**
 * 5xx and rate limits. Other 4xx are left to the provider: a 404 is how
 * some of them learn that a repository has no catalog file.
 */
function isFailedAnswer(
  status: number,
  headers: Record<string, string>,
): boolean {
  return status >= 500 || isRateLimit(status, headers);
}

function tag({ request }: { request: object }) {
  const run = currentRun.getStore();
  if (run) {
    runOfRequest.set(request, run);
  }
}

function record(request: object, answer: FailedHttpAnswer) {
  const run = runOfRequest.get(request);
  if (run && isFailedAnswer(answer.status, answer.headers)) {
    run.failures.push(answer);
  }
}

function undiciHeaders(raw: Array<Buffer | string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    headers[raw[i].toString().toLowerCase()] = raw[i + 1].toString();
  }
  return headers;
}

let subscribed = false;
function subscribeOnce() {
  if (subscribed) {
    return;
  }
  subscribed = true;
  diagnosticsChannel.subscribe('undici:request:create', message =>
    tag(message as { request: object }),
  );
  diagnosticsChannel.subscribe('undici:request:headers', message => {
    const { request, response } = message as {
      request: { origin?: string; path?: string };
      response: { statusCode: number; headers: Array<Buffer | string> };
    };
    record(request, {
      status: response.statusCode,
      url: `${request.origin ?? ''}${(request.path ?? '').split('?')[0]}`,
      headers: undiciHeaders(response.headers),
    });
  });
  diagnosticsChannel.subscribe('http.client.request.start', message =>
    tag(message as { request: object }),
  );
  diagnosticsChannel.subscribe('http.client.response.finish', message => {
    const { request, response } = message as {
      request: ClientRequest;
      response: IncomingMessage;
    };
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
    record(request, {
      status: response.statusCode ?? 0,
      // The Host header carries the port; `request.host` does not.
      url: `${request.protocol}//${request.getHeader('host') ?? request.host}${
        request.path.split('?')[0]
      }`,
      headers,
    });
  });
}

/**
 * Runs `fn` and returns, next to its outcome, the failed HTTP answers the
 * requests it started received.
 */
export async function watchHttp(
  fn: () => Promise<void>,
): Promise<{ error?: unknown; failures: FailedHttpAnswer[] }> {
  subscribeOnce();
  const run = new RunRecord();
  try {
    await currentRun.run(run, fn);
    return { failures: run.failures };
  } catch (error) {
    return { error, failures: run.failures };
  }
}
