/** The bridge's configuration refuses to start a profile without its required settings, naming the variable. */
import { expect } from 'chai';
import { ConfigError, loadBridgeConfig } from '../../../bridge/config.js';
import { PROFILE_NAMES, PROFILES } from '../../../bridge/profiles/registry.js';
import { bridgeEnv } from '../helpers.js';

describe('bridge profiles: required settings', () => {
  for (const [profile, variable, value] of [
    ['auth0', 'BRIDGE_UPSTREAM_AUDIENCE', 'https://api.example.com'],
    ['slack', 'BRIDGE_UPSTREAM_USER_SCOPES', 'identity.basic'],
  ] as const) {
    it(`${profile}: refuses to start without ${variable}, starts with it and hands it to the profile`, async () => {
      let error: unknown;
      try {
        await loadBridgeConfig(bridgeEnv({ BRIDGE_PROFILE: profile }));
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect(String((error as Error).message)).to.include(variable);
      const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_PROFILE: profile, [variable]: value }));
      expect(config.profile.name).to.equal(profile);
      expect(config.profileSettings.extra[variable]).to.equal(value);
    });
  }

  for (const profile of ['github', 'azure', 'withings', 'salesforce', 'fitbit']) {
    it(`${profile}: starts with the standard settings alone`, async () => {
      const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_PROFILE: profile }));
      expect(config.profile.name).to.equal(profile);
    });
  }
});

describe('bridge profiles: PKCE towards the provider', () => {
  /** Providers without PKCE, each with docs/bridge.md's note on the residual risk (RFC 9700 §4.5). */
  const WITHOUT_PKCE = new Set(['withings']);

  it('every profile says whether it sends a challenge; all do but those whose provider has no PKCE', () => {
    expect(PROFILE_NAMES).to.include.members(['oidc', 'github', 'slack', 'azure', 'withings', 'salesforce', 'fitbit', 'auth0']);
    for (const name of PROFILE_NAMES) {
      const profile = PROFILES[name];
      expect(profile.upstreamPkce, name).to.be.a('boolean');
      expect(profile.upstreamPkce, name).to.equal(!WITHOUT_PKCE.has(name));
    }
  });
});
