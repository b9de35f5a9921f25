import { findRateLimit, resetTimeOf } from './rateLimit';

const now = new Date('2026-11-29T12:00:00Z');

describe('resetTimeOf', () => {
  it.each([
    ['GitHub and Azure DevOps', { 'x-ratelimit-reset': '1795954800' }],
    ['GitLab', { 'ratelimit-reset': '1795954800' }],
    ['Okta', { 'x-rate-limit-reset': '1795954800' }],
    ['Retry-After in seconds', { 'retry-after': '1200' }],
    [
      'Retry-After as a date',
      { 'retry-after': 'Sun, 29 Nov 2026 12:20:00 GMT' },
    ],
  ])('reads %s', (_label, headers) => {
    expect(resetTimeOf(headers, now)?.toISOString()).toBe(
      '2026-11-29T12:20:00.000Z',
    );
  });

  it('says nothing when the source does not say', () => {
    expect(resetTimeOf({}, now)).toBeUndefined();
  });
});

describe('findRateLimit', () => {
  it('finds a 429 among the answers a run got', () => {
    expect(
      findRateLimit(
        [
          { status: 500, headers: {} },
          { status: 429, headers: { 'retry-after': '60' } },
        ],
        undefined,
        now,
      ),
    ).toEqual({ status: 429, resetsAt: new Date('2026-11-29T12:01:00Z') });
  });

  it("reads GitHub's primary limit, a 403 with x-ratelimit-remaining 0, from an Octokit error", () => {
    const error = Object.assign(new Error('API rate limit exceeded'), {
      status: 403,
      response: {
        headers: {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '1795954800',
        },
      },
    });
    expect(findRateLimit([], error)).toEqual({
      status: 403,
      resetsAt: new Date('2026-11-29T12:20:00Z'),
    });
  });

  it('reads the status and Headers of a fetch response an error carries', () => {
    const error = {
      response: { status: 429, headers: new Headers({ 'Retry-After': '5' }) },
    };
    expect(findRateLimit([], error, now)).toEqual({
      status: 429,
      resetsAt: new Date('2026-11-29T12:00:05Z'),
    });
  });

  it('is not a rate limit: a plain 403, a 500, an error without a status', () => {
    expect(findRateLimit([{ status: 403, headers: {} }])).toBeUndefined();
    expect(findRateLimit([{ status: 500, headers: {} }])).toBeUndefined();
    expect(
      findRateLimit([], Object.assign(new Error('x'), { status: 403 })),
    ).toBeUndefined();
    expect(findRateLimit([], new Error('network down'))).toBeUndefined();
  });
});
