/**
 * "Does this host name never leave the machine?" — the one place http:// is acceptable: the bridge's configuration
 * check and the simulator's OAuth client both allow plain HTTP for loopback hosts only.
 */

/** 127.0.0.0/8, ::1 (with or without URL brackets) and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
