/** What every route gets: configuration, derived keys, the store, the links, the upstream client, log and clock. */
import type { Logger } from '../common/logging.js';
import type { BridgeConfig } from './config.js';
import type { BridgeKeys } from './keys.js';
import type { Links } from './links.js';
import type { BridgeStore } from './store/store.js';
import type { UpstreamClient } from './upstream.js';

export interface BridgeContext {
  config: BridgeConfig;
  keys: BridgeKeys;
  store: BridgeStore;
  links: Links;
  upstream: UpstreamClient;
  logger: Logger;
  /** Epoch milliseconds; injectable so tests can expire states and codes. */
  now: () => number;
}
