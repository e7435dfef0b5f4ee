/** The bridge's configuration refuses to start a profile without its required settings, naming the variable. */
import { expect } from 'chai';
import { ConfigError, loadBridgeConfig } from '../../../bridge/config.js';
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
