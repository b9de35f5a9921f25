/*
 * The loopback redirect listener of a CLI MCP client (Claude Code, the
 * SDK's own example client): a small HTTP server on 127.0.0.1 that the
 * browser is sent back to after the person decides on the consent page.
 * It takes the authorization code, or the OAuth error the authorization
 * server put in its place, and tells the browser it may close the tab.
 */
import http from 'node:http';
import { closeServer, escapeHtml, listenOnLoopback } from '../fakes/http';

/** What the browser brought back to the client's redirect URI. */
export type AuthorizationRedirect =
  | { kind: 'code'; code: string; state: string | null }
  | {
      kind: 'error';
      error: string;
      errorDescription: string | null;
      state: string | null;
    };

/** The error a client raises when the authorization server sent an error instead of a code. */
export class AuthorizationDeniedError extends Error {
  readonly name = 'AuthorizationDeniedError';

  constructor(
    readonly error: string,
    readonly errorDescription: string | null,
  ) {
    super(
      `OAuth authorization failed: ${error}${
        errorDescription ? ` (${errorDescription})` : ''
      }`,
    );
  }
}

/** A running listener. */
export interface RedirectListener {
  /** The redirect URI to register: `http://127.0.0.1:<port>/callback`. */
  redirectUrl: string;
  /**
   * The next redirect the browser brings (one already received and not yet
   * taken counts), or a rejection after `timeoutMs`.
   */
  nextRedirect(timeoutMs?: number): Promise<AuthorizationRedirect>;
  /**
   * The code of the next redirect, as a client's callback handler returns
   * it; rejects with {@link AuthorizationDeniedError} when the redirect
   * carries an OAuth error instead.
   */
  nextCode(timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a redirect listener on 127.0.0.1 (a free port) at `/callback`.
 * Any other path or method is answered 404 and not counted.
 */
export async function startRedirectListener(): Promise<RedirectListener> {
  const received: AuthorizationRedirect[] = [];
  const waiting: Array<(redirect: AuthorizationRedirect) => void> = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const state = url.searchParams.get('state');
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    let redirect: AuthorizationRedirect;
    if (code) {
      redirect = { kind: 'code', code, state };
    } else {
      redirect = {
        kind: 'error',
        // A redirect with neither is a broken server: report it as such.
        error: error ?? 'no code and no error in the redirect',
        errorDescription: url.searchParams.get('error_description'),
        state,
      };
    }
    const message =
      redirect.kind === 'code'
        ? 'Authorization complete. You can close this window.'
        : `Authorization failed: ${redirect.error}`;
    res
      .writeHead(redirect.kind === 'code' ? 200 : 400, {
        'Content-Type': 'text/html; charset=utf-8',
      })
      .end(
        `<!doctype html><title>MCP client</title><p>${escapeHtml(message)}</p>`,
      );
    const waiter = waiting.shift();
    if (waiter) {
      waiter(redirect);
    } else {
      received.push(redirect);
    }
  });
  const port = await listenOnLoopback(server);

  const nextRedirect = (timeoutMs = 60_000) => {
    const ready = received.shift();
    if (ready) {
      return Promise.resolve(ready);
    }
    return new Promise<AuthorizationRedirect>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const waiter = (redirect: AuthorizationRedirect) => {
        clearTimeout(timer);
        resolve(redirect);
      };
      timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(waiter), 1);
        reject(
          new Error(
            `no redirect reached the client's listener within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      waiting.push(waiter);
    });
  };

  return {
    redirectUrl: `http://127.0.0.1:${port}/callback`,
    nextRedirect,
    async nextCode(timeoutMs) {
      const redirect = await nextRedirect(timeoutMs);
      if (redirect.kind === 'error') {
        throw new AuthorizationDeniedError(
          redirect.error,
          redirect.errorDescription,
        );
      }
      return redirect.code;
    },
    close: () => closeServer(server),
  };
}
