import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { normalizeEmail } from './users.js';

/** How many attempts fit in which window (seconds); a window that is full stays shut until it ends. */
export interface Limit {
  attempts: number;
  windowSeconds: number;
}

export interface ThrottleLimits {
  /** Failed sign-ins for one email from one client address (the usual guessing). Reset by a successful sign-in. */
  loginFailuresPerAccountAndClient: Limit;
  /** Failed sign-ins for one email from all addresses together (guessing spread over many addresses). */
  loginFailuresPerAccount: Limit;
  /** Failed sign-ins from one client address over all emails (password spraying). */
  loginFailuresPerClient: Limit;
  /** Requests that send a mail (recovery, sign-up) to one email address, whether or not it has an account. */
  mailsPerAddress: Limit;
  /** Requests that send a mail, from one client address. */
  mailsPerClient: Limit;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  loginFailuresPerAccountAndClient: { attempts: 5, windowSeconds: 15 * MINUTE },
  loginFailuresPerAccount: { attempts: 20, windowSeconds: HOUR },
  loginFailuresPerClient: { attempts: 50, windowSeconds: HOUR },
  mailsPerAddress: { attempts: 3, windowSeconds: HOUR },
  mailsPerClient: { attempts: 10, windowSeconds: HOUR },
};

/** A refusal: the caller answers 429 and says when to try again. */
export interface Throttled {
  retryAfterSeconds: number;
}

const limiter = ({ attempts, windowSeconds }: Limit) => new RateLimiterMemory({ points: attempts, duration: windowSeconds });
const retryAfter = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000));
// JSON keeps the parts apart whatever characters an email holds.
const pairKey = (email: string, client: string) => JSON.stringify([normalizeEmail(email), client]);

/**
 * Throttles sign-in and the mails the sign-in pages send, per account and per client address. Only failed
 * sign-ins count, so a user (or the bench) signing in successfully again and again is never slowed down; the
 * throttle answers before the password is checked, so a correct password does not get through a shut window.
 *
 * The counters live in memory (rate-limiter-flexible's RateLimiterMemory): the authorization server is a single
 * process, and a restart forgetting them is acceptable for a local server. Several instances behind a load
 * balancer would need a shared store (the library's Redis or database limiters take the same options).
 */
export class SignInThrottle {
  private readonly byAccountAndClient: RateLimiterMemory;
  private readonly byAccount: RateLimiterMemory;
  private readonly byClient: RateLimiterMemory;
  private readonly mailsByAddress: RateLimiterMemory;
  private readonly mailsByClient: RateLimiterMemory;

  constructor(private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {
    this.byAccountAndClient = limiter(limits.loginFailuresPerAccountAndClient);
    this.byAccount = limiter(limits.loginFailuresPerAccount);
    this.byClient = limiter(limits.loginFailuresPerClient);
    this.mailsByAddress = limiter(limits.mailsPerAddress);
    this.mailsByClient = limiter(limits.mailsPerClient);
  }

  /** Whether a sign-in for `email` from `client` may be tried now; checked before the password. */
  async checkLogin(email: string, client: string): Promise<Throttled | undefined> {
    const checks: [RateLimiterMemory, string, Limit][] = [
      [this.byAccountAndClient, pairKey(email, client), this.limits.loginFailuresPerAccountAndClient],
      [this.byAccount, normalizeEmail(email), this.limits.loginFailuresPerAccount],
      [this.byClient, client, this.limits.loginFailuresPerClient],
    ];
    let wait = 0;
    for (const [counter, key, limit] of checks) {
      const res = await counter.get(key);
      if (res && res.consumedPoints >= limit.attempts) wait = Math.max(wait, retryAfter(res));
    }
    return wait > 0 ? { retryAfterSeconds: wait } : undefined;
  }

  async loginFailed(email: string, client: string): Promise<void> {
    await Promise.all([
      this.byAccountAndClient.penalty(pairKey(email, client)),
      this.byAccount.penalty(normalizeEmail(email)),
      this.byClient.penalty(client),
    ]);
  }

  /**
   * Forgets this client's failures for this account (a typo streak ends with the right password). The per-account
   * and per-client counters stay: a successful sign-in to one's own account must not reset an attacker's budget.
   */
  async loginSucceeded(email: string, client: string): Promise<void> {
    await this.byAccountAndClient.delete(pairKey(email, client));
  }

  /**
   * Counts a request that sends a mail to `email` (a recovery link, or a sign-up message). Counted whether or not
   * the address has an account, so the answer tells nothing about which addresses have one.
   */
  async mailRequested(email: string, client: string): Promise<Throttled | undefined> {
    const results = await Promise.allSettled([this.mailsByAddress.consume(normalizeEmail(email)), this.mailsByClient.consume(client)]);
    const refused = results.filter((result) => result.status === 'rejected').map((result) => result.reason as unknown);
    for (const reason of refused) {
      if (!(reason && typeof (reason as RateLimiterRes).msBeforeNext === 'number')) throw reason;
    }
    if (refused.length === 0) return undefined;
    return { retryAfterSeconds: Math.max(...refused.map((reason) => retryAfter(reason as RateLimiterRes))) };
  }
}
