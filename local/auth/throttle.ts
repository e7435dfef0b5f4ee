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
/** The refusals among settled consumptions; anything else that went wrong is thrown. */
function rejections(results: PromiseSettledResult<unknown>[]): RateLimiterRes[] {
  const refused = results.filter((result) => result.status === 'rejected').map((result) => result.reason as unknown);
  for (const reason of refused) {
    if (!(reason && typeof (reason as RateLimiterRes).msBeforeNext === 'number')) throw reason;
  }
  return refused as RateLimiterRes[];
}
// JSON keeps the parts apart whatever characters an email holds.
const pairKey = (email: string, client: string) => JSON.stringify([normalizeEmail(email), client]);

/**
 * Throttles sign-in and the mails the sign-in pages send, per account and per client address. Every attempt is
 * counted before its password is checked and a successful one is given back, so only failed sign-ins stay counted: a
 * user (or the bench) signing in successfully again and again is never slowed down, a correct password does not get
 * through a shut window, and parallel attempts cannot slip past the count.
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

  constructor(limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {
    this.byAccountAndClient = limiter(limits.loginFailuresPerAccountAndClient);
    this.byAccount = limiter(limits.loginFailuresPerAccount);
    this.byClient = limiter(limits.loginFailuresPerClient);
    this.mailsByAddress = limiter(limits.mailsPerAddress);
    this.mailsByClient = limiter(limits.mailsPerClient);
  }

  /**
   * Takes one attempt from each of the three sign-in budgets *before* the password is checked: atomically, so 100
   * wrong passwords sent at once cannot all be checked before the first failure is counted (reading the counters
   * first and charging them after the slow password hash let every one of them through). Refused (nothing taken)
   * when any budget is spent; otherwise the caller checks the password, and only a success gives the attempt back
   * (`loginSucceeded`) — a failure has already been counted.
   */
  async checkLogin(email: string, client: string): Promise<Throttled | undefined> {
    const budgets: [RateLimiterMemory, string][] = [
      [this.byAccountAndClient, pairKey(email, client)],
      [this.byAccount, normalizeEmail(email)],
      [this.byClient, client],
    ];
    const results = await Promise.allSettled(budgets.map(([counter, key]) => counter.consume(key)));
    const refused = rejections(results);
    if (refused.length === 0) return undefined;
    // A refused attempt is not an attempt: give back what the other budgets took, so being shut out of one account
    // does not eat into the per-account or per-address budget.
    await Promise.all(budgets.filter((_, i) => results[i]!.status === 'fulfilled').map(([counter, key]) => counter.reward(key)));
    return { retryAfterSeconds: Math.max(...refused.map(retryAfter)) };
  }

  /**
   * A successful sign-in gives its attempt back, and forgets this client's failures for this account (a typo streak
   * ends with the right password). The per-account and per-client failures stay: a successful sign-in to one's own
   * account must not reset an attacker's budget.
   */
  async loginSucceeded(email: string, client: string): Promise<void> {
    await Promise.all([this.byAccountAndClient.delete(pairKey(email, client)), this.byAccount.reward(normalizeEmail(email)), this.byClient.reward(client)]);
  }

  /**
   * Counts a request that sends a mail to `email` (a recovery link, or a sign-up message). Counted whether or not
   * the address has an account, so the answer tells nothing about which addresses have one.
   */
  async mailRequested(email: string, client: string): Promise<Throttled | undefined> {
    const refused = rejections(await Promise.allSettled([this.mailsByAddress.consume(normalizeEmail(email)), this.mailsByClient.consume(client)]));
    if (refused.length === 0) return undefined;
    return { retryAfterSeconds: Math.max(...refused.map(retryAfter)) };
  }
}
