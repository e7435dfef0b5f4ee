/**
 * The address a request comes from, as the rate limits count it (bridge/rate-limits.ts).
 *
 * By default the peer: the socket's remote address (bridge/server.ts) or the Function URL event's
 * `requestContext.http.sourceIp` (bridge/index.ts), which nobody on the internet can choose. `X-Forwarded-For` is
 * read only with BRIDGE_TRUST_PROXY=<hops>: the number of proxies of the operator's own in front of the bridge, each
 * appending the address it saw. The client is then the entry `hops` places from the right; everything left of it
 * was written by the client itself and is ignored (trusting the leftmost entry would let anyone pick a fresh
 * address per request).
 *
 * IPv6 clients are counted per /64: one subscriber usually holds a whole /64, so a per-address count would give them
 * 2⁶⁴ fresh budgets. IPv4-mapped IPv6 addresses (::ffff:1.2.3.4) count as their IPv4 address.
 */
import { isIP } from 'node:net';

export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trustProxyHops: number): string {
  let address = peer;
  if (trustProxyHops > 0 && forwardedFor !== undefined) {
    const hops = forwardedFor.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
    const candidate = hops[Math.max(0, hops.length - trustProxyHops)];
    if (candidate !== undefined && isIP(candidate) !== 0) address = candidate;
  }
  return address === undefined ? 'unknown' : addressKey(address);
}

/** IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 as its /64 prefix; anything else as given. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head, tail = ''] = address.toLowerCase().split('::') as [string, string?];
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}
