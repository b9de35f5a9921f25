/*
 * Throttling of failed sign-ins, per typed username and per client address.
 *
 * Each attempt is counted before the directory is asked (so a burst of
 * parallel guesses is counted as it arrives, not after the binds), and a
 * success gives its count back: the username's count is cleared, the
 * address's is reduced by the one attempt. Once a key has reached its
 * number of free failures, every further attempt first waits a delay that
 * doubles per failure up to a cap; attempts during the delay are answered
 * 429 with Retry-After without touching the directory and without counting,
 * so a person locked out by someone else's guesses waits at most the cap.
 * Counts are forgotten after a quiet period.
 *
 * State lives in a SignInThrottleStore: the auth plugin's database in a
 * backend, so that all replicas count the same failures.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { CustomErrorBase } from '@backstage/errors';
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** How one kind of key (username or address) is throttled. */
export interface ThrottlePolicy {
  /** Failures in a row that cost nothing; the next attempt waits `firstDelayMs`. */
  freeFailures: number;
  firstDelayMs: number;
  /** The longest wait; the delay doubles per failure up to this. */
  maxDelayMs: number;
}

/** The configuration of sign-in throttling, as read from `signInThrottle`. */
export interface SignInThrottleConfig {
  perUsername: ThrottlePolicy;
  perAddress: ThrottlePolicy;
  /** A key with no attempt for this long starts again from zero. */
  forgetAfterMs: number;
}

/** What is remembered about one key. */
export interface ThrottleState {
  /** Attempts counted since the last success or the last quiet period. */
  failures: number;
  /** Epoch milliseconds before which an attempt is answered 429; 0 when none. */
  blockedUntil: number;
  /** Epoch milliseconds of the last counted attempt. */
  lastAttemptAt: number;
  /** Incremented on every write, for compare-and-swap. */
  revision: number;
}

/**
 * Where throttle state is kept. Writes are compare-and-swap so that
 * concurrent attempts (on one process or on several replicas) never lose
 * a count.
 */
export interface SignInThrottleStore {
  read(key: string): Promise<ThrottleState | undefined>;
  /**
   * Writes `next` (or deletes the key when `next` is undefined) if the key
   * still holds `expected` (same revision, or still absent); false if
   * another writer came first.
   */
  swap(
    key: string,
    expected: ThrottleState | undefined,
    next: ThrottleState | undefined,
  ): Promise<boolean>;
  /** Deletes the keys whose last attempt is older than `before` (epoch ms). */
  forget(before: number): Promise<void>;
}

/** Throttle state in this process only: for a factory used without a database. */
export class MemorySignInThrottleStore implements SignInThrottleStore {
  readonly #states = new Map<string, ThrottleState>();

  async read(key: string) {
    return this.#states.get(key);
  }

  async swap(
    key: string,
    expected: ThrottleState | undefined,
    next: ThrottleState | undefined,
  ) {
    if (this.#states.get(key)?.revision !== expected?.revision) {
      return false;
    }
    if (next) {
      this.#states.set(key, next);
    } else {
      this.#states.delete(key);
    }
    return true;
  }

  async forget(before: number) {
    for (const [key, state] of this.#states) {
      if (state.lastAttemptAt < before) {
        this.#states.delete(key);
      }
    }
  }
}

/**
 * The answer to an attempt while a key waits out its delay: 429 with
 * `Retry-After`. The message is the same for every key, so it says nothing
 * about whether the username exists.
 */
export class SignInThrottledError extends CustomErrorBase {
  readonly statusCode = 429;
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super(
      `Too many failed sign-in attempts; try again in ${retryAfterSeconds} second${
        retryAfterSeconds === 1 ? '' : 's'
      }`,
    );
    this.name = 'SignInThrottledError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The wait after the `k`-th failure beyond the free ones (k ≥ 1). */
function backoffDelayMs(policy: ThrottlePolicy, k: number): number {
  // 2^k overflows to Infinity long before k gets near a safe integer.
  return Math.min(policy.firstDelayMs * 2 ** (k - 1), policy.maxDelayMs);
}

/**
 * The key a client address is counted under. IPv4-mapped IPv6 addresses
 * count as their IPv4 address, and IPv6 addresses by their /64 prefix,
 * since one client usually holds a whole /64 and could otherwise rotate
 * through it.
 */
export function addressKey(address: string | undefined): string {
  if (!address) {
    return 'unknown';
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) {
    return mapped[1];
  }
  if (isIPv4(address)) {
    return address;
  }
  const zoneless = address.replace(/%.*$/, '');
  if (!isIPv6(zoneless)) {
    return address;
  }
  const [head, tail = ''] = zoneless.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  // An embedded IPv4 tail never reaches the first four groups.
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = zoneless.includes('::')
    ? [...headGroups, ...Array(Math.max(missing, 0)).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map(g => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * The spelling of a username its count is kept under. Directories compare
 * usernames without case and ignore surrounding spaces, so `Ana` and
 * ` ana` must not get counts of their own.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function hashed(scope: string, value: string): string {
  // Hashed: people type passwords into the username field, and the table
  // outlives the request.
  return createHash('sha256').update(`${scope}\0${value}`).digest('hex');
}

interface Subject {
  scope: 'username' | 'address';
  key: string;
  policy: ThrottlePolicy;
  /** For the log: the address, or a short hash of the username key. */
  label: string;
}

// Contention on one key is rare; an attacker flooding one key gets 429
// rather than an unbounded loop.
const MAX_SWAP_TRIES = 8;

/**
 * One sign-in attempt that passed the throttle. Exactly one of its methods
 * is called once the directory answered.
 */
export interface ThrottleTicket {
  /** The directory accepted the password: clears the username's count. */
  succeeded(): Promise<void>;
  /**
   * The directory refused the credentials: the attempt stays counted.
   *
   * @param dn - the entry the username matched, if any, for the log
   */
  failed(dn?: string): Promise<void>;
  /** The attempt ended without an answer on the credentials (directory down): not counted. */
  released(): Promise<void>;
}

/** A counted attempt on one key: the state before and after it. */
interface Counted {
  subject: Subject;
  before: ThrottleState | undefined;
  after: ThrottleState;
}

/** What a compare-and-swap update decided: a result, and the key's new state if it changes. */
type Decision<T> =
  | { result: T }
  | { result: T; next: ThrottleState | undefined };

/** Counts failed sign-ins and decides when an attempt must wait. */
export class SignInThrottle {
  readonly #store: SignInThrottleStore;
  readonly #config: SignInThrottleConfig;
  readonly #providerId: string;
  readonly #logger: LoggerService;
  readonly #now: () => number;

  constructor(options: {
    store: SignInThrottleStore;
    config: SignInThrottleConfig;
    providerId: string;
    logger: LoggerService;
    now?: () => number;
  }) {
    this.#store = options.store;
    this.#config = options.config;
    this.#providerId = options.providerId;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Counts an attempt of `username` from `address`, or throws
   * SignInThrottledError when either of them must still wait.
   *
   * @param address - the client address as Express sees it (`req.ip`)
   */
  async acquire(
    username: string,
    address: string | undefined,
  ): Promise<ThrottleTicket> {
    const name = hashed('username', usernameKey(username));
    const addr = addressKey(address);
    const subjects: Subject[] = [
      {
        scope: 'username',
        key: `${this.#providerId}:username:${name}`,
        policy: this.#config.perUsername,
        label: `username #${name.slice(0, 12)}`,
      },
      {
        scope: 'address',
        key: `${this.#providerId}:address:${hashed('address', addr)}`,
        policy: this.#config.perAddress,
        label: `client address ${addr}`,
      },
    ];

    // Look first, so that a refused attempt writes nothing.
    const now = this.#now();
    const states = await Promise.all(
      subjects.map(s => this.#store.read(s.key)),
    );
    const longestWait = Math.max(...states.map(s => this.#waitMs(s, now)));
    if (longestWait > 0) {
      throw new SignInThrottledError(Math.ceil(longestWait / 1000));
    }

    const counted: Counted[] = [];
    for (const subject of subjects) {
      const outcome = await this.#count(subject);
      if ('waitMs' in outcome) {
        // Another attempt got in first and started a delay.
        for (const done of counted) {
          await this.#giveBack(done);
        }
        throw new SignInThrottledError(Math.ceil(outcome.waitMs / 1000));
      }
      counted.push(outcome);
    }

    let settled = false;
    const settle = async (fn: () => Promise<void>) => {
      if (!settled) {
        settled = true;
        await fn();
      }
    };
    return {
      succeeded: () =>
        settle(async () => {
          await this.#clear(counted[0].subject);
          await this.#giveBack(counted[1]);
        }),
      failed: (dn?: string) =>
        settle(async () => {
          for (const { subject, after } of counted) {
            if (after.blockedUntil > 0) {
              this.#logBlock(subject, after, dn);
            }
          }
        }),
      released: () =>
        settle(async () => {
          for (const done of counted) {
            await this.#giveBack(done);
          }
        }),
    };
  }

  #logBlock(subject: Subject, state: ThrottleState, dn?: string) {
    let whose = subject.label;
    if (subject.scope === 'username') {
      // The typed username is not logged (people type passwords there);
      // the entry it matched is.
      whose += dn ? ` (${dn})` : ' (matches no directory entry)';
    }
    const seconds = Math.ceil(
      (state.blockedUntil - state.lastAttemptAt) / 1000,
    );
    this.#logger.warn(
      `LDAP sign-in throttled: ${state.failures} failed attempts for ${whose}; its attempts in the next ${seconds} s are answered 429`,
    );
  }

  /** How long an attempt must still wait under this state; 0 when it may go. */
  #waitMs(state: ThrottleState | undefined, now: number): number {
    return state && state.blockedUntil > now ? state.blockedUntil - now : 0;
  }

  async #count(subject: Subject): Promise<Counted | { waitMs: number }> {
    return this.#update<Counted | { waitMs: number }>(
      subject.key,
      (before, now) => {
        const wait = this.#waitMs(before, now);
        if (wait > 0) {
          return { result: { waitMs: wait } };
        }
        const forgotten =
          !before || before.lastAttemptAt < now - this.#config.forgetAfterMs;
        const failures = (forgotten ? 0 : before.failures) + 1;
        const { policy } = subject;
        const after: ThrottleState = {
          failures,
          blockedUntil:
            failures >= policy.freeFailures
              ? now + backoffDelayMs(policy, failures - policy.freeFailures + 1)
              : 0,
          lastAttemptAt: now,
          // A new key starts at the clock, not at 1: a ticket of a deleted
          // key cannot mistake a new key's first write for its own.
          revision: before ? before.revision + 1 : now,
        };
        return { next: after, result: { subject, before, after } };
      },
    );
  }

  /**
   * Takes one counted attempt back (a success, or no answer). If nothing
   * was counted on the key since, the key returns to its state before the
   * attempt, delay included; otherwise its count drops by one.
   */
  async #giveBack({ subject, before, after }: Counted): Promise<void> {
    await this.#update<void>(subject.key, current => {
      if (!current) {
        return { result: undefined };
      }
      if (current.revision === after.revision) {
        return {
          result: undefined,
          next: before && { ...before, revision: current.revision + 1 },
        };
      }
      const failures = current.failures - 1;
      return {
        result: undefined,
        next:
          failures > 0
            ? { ...current, failures, revision: current.revision + 1 }
            : undefined,
      };
    });
  }

  async #clear(subject: Subject): Promise<void> {
    await this.#update<void>(subject.key, current =>
      current ? { result: undefined, next: undefined } : { result: undefined },
    );
  }

  /** Read, decide, compare-and-swap, until the swap wins. */
  async #update<T>(
    key: string,
    decide: (current: ThrottleState | undefined, now: number) => Decision<T>,
  ): Promise<T> {
    for (let attempt = 0; attempt < MAX_SWAP_TRIES; attempt++) {
      const current = await this.#store.read(key);
      const now = this.#now();
      const decision = decide(current, now);
      if (!('next' in decision)) {
        return decision.result;
      }
      if (!current) {
        // A new key: the moment to drop the ones nobody tried for long.
        await this.#store.forget(now - this.#config.forgetAfterMs);
      }
      if (await this.#store.swap(key, current, decision.next)) {
        return decision.result;
      }
    }
    throw new SignInThrottledError(1);
  }
}
