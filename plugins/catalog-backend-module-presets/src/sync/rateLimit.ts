/** An HTTP answer as far as a rate limit shows in it. */
export interface HttpAnswer {
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
}

/** A rate limit a source answered with. */
export interface RateLimit {
  status: number;
  /** When the limit resets, if the source said. */
  resetsAt?: Date;
}

/** Headers as a plain lower-case record, from what HTTP clients put on their errors. */
function headersOf(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') {
    return {};
  }
  const entries =
    typeof (value as Headers).forEach === 'function' &&
    typeof (value as Headers).get === 'function'
      ? [...(value as Headers)]
      : Object.entries(value as Record<string, unknown>);
  return Object.fromEntries(
    entries.map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
}

/**
 * When a limit resets, from the headers GitHub (`x-ratelimit-reset`, epoch
 * seconds), Okta (`x-rate-limit-reset`, epoch seconds), GitLab
 * (`ratelimit-reset`), Azure DevOps (`x-ratelimit-reset`)
 * and Microsoft Graph (`retry-after`, seconds or an HTTP date) send.
 */
export function resetTimeOf(
  headers: Record<string, string>,
  now: Date = new Date(),
): Date | undefined {
  const epoch =
    headers['x-ratelimit-reset'] ??
    headers['x-rate-limit-reset'] ??
    headers['ratelimit-reset'];
  if (epoch && /^\d+$/.test(epoch.trim())) {
    return new Date(Number(epoch) * 1000);
  }
  const retryAfter = headers['retry-after'];
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter.trim())) {
      return new Date(now.getTime() + Number(retryAfter) * 1000);
    }
    const date = new Date(retryAfter);
    if (!Number.isNaN(date.getTime())) {
      return date;
    }
  }
  return undefined;
}

/** 429, or a 403 with rate-limit headers (GitHub's primary limit). */
export function isRateLimit(
  status: number,
  headers: Record<string, string>,
): boolean {
  return (
    status === 429 ||
    (status === 403 &&
      (headers['x-ratelimit-remaining'] === '0' ||
        headers['ratelimit-remaining'] === '0' ||
        headers['retry-after'] !== undefined))
  );
}

/**
 * The rate limit behind a failed run, if it was one: from an HTTP answer
 * seen during the run, or from the error an HTTP client threw (Octokit's
 * `status` and `response.headers`, or a `response` of fetch).
 */
export function findRateLimit(
  failures: HttpAnswer[],
  error?: unknown,
  now?: Date,
): RateLimit | undefined {
  const answer = failures.find(f => isRateLimit(f.status, f.headers));
  if (answer) {
    return {
      status: answer.status,
      resetsAt: resetTimeOf(answer.headers, now),
    };
  }
  const e = error as {
    status?: unknown;
    response?: { status?: unknown; headers?: unknown };
    headers?: unknown;
  };
  const status = Number(e?.status ?? e?.response?.status);
  if (!Number.isFinite(status)) {
    return undefined;
  }
  const headers = headersOf(e?.response?.headers ?? e?.headers);
  return isRateLimit(status, headers)
    ? { status, resetsAt: resetTimeOf(headers, now) }
    : undefined;
}
