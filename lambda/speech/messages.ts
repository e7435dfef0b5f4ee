/** Everything the skill says, as one typed table per language; handlers only ever pick from it. */
import type { ScopeName } from '../account/scopes.js';
import type { Ride } from '../rides/types.js';

/** What the user asked for when the skill found no linked account: each gated request explains linking in its terms. */
export type LinkTask = 'orderRide' | 'rideStatus' | 'cancelRide' | 'whoAmI' | 'launch';

export interface Messages {
  welcomeLinked(name: string): string;
  /** Linked, but the profile is not readable (no basic_profile permission). */
  welcomeWithoutName: string;
  welcomeReprompt: string;
  /** No token at all: why this request needs the account, then the card. */
  linkNeeded(task: LinkTask): string;
  linkExpired: string;
  permissionNeeded(scope: ScopeName): string;
  apiUnavailable: string;
  tryAgainReprompt: string;
  askDestination: string;
  rideOrdered(ride: Ride): string;
  rideAlreadyActive(ride: Ride): string;
  rideStatus(ride: Ride): string;
  noActiveRide: string;
  confirmCancel(ride: Ride): string;
  rideCancelled(ride: Ride): string;
  cancelKept: string;
  whoAmI(name: string, email: string): string;
  help: string;
  helpReprompt: string;
  goodbye: string;
  fallback: string;
  sorry: string;
  /** The function's environment is incomplete: names the variables (never their values) for whoever is testing it. */
  notConfigured(variables: readonly string[]): string;
}
