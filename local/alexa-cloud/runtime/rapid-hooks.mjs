/*
 * Preloaded into the function's process (node --import): points aws-lambda-ric's require('./rapid-client.node')
 * at rapid-transport.cjs when the compiled addon is absent (see there). Nothing else is resolved differently.
 */
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';

const transport = new URL('./rapid-transport.cjs', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === './rapid-client.node' && context.parentURL?.includes('/aws-lambda-ric/')) {
      const addon = new URL(specifier, context.parentURL);
      if (!existsSync(addon)) return { url: transport, format: 'commonjs', shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});
