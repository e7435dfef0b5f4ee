/**
 * Preloaded (NODE_OPTIONS=--require) into Stryker and its test-runner processes by `npm run mutation`.
 *
 * @stryker-mutator/mocha-runner 10.1.1 requires mocha's CLI helpers without an extension
 * (`mocha/lib/cli/run-helpers`, `…/options`, `…/collect-files`); mocha 12 ships them as `.cjs`, which Node's
 * CommonJS resolver does not try. Registering `.cjs` as a resolvable extension (loaded exactly like `.js`
 * loads CommonJS) lets those requires find the files. Nothing else in the project relies on this.
 */
'use strict';
const Module = require('node:module');
if (!Module._extensions['.cjs']) Module._extensions['.cjs'] = Module._extensions['.js'];
