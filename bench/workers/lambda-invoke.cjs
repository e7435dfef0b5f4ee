// Loads a Lambda bundle (ESM) in a fresh process and times its handler. Plain CommonJS: nothing but the bundle loads.
//   node lambda-invoke.cjs <bundle> <envelopes.json> <warm-up count> <measured count>
// With counts 0 0 it answers the first envelope once (cold start) and exits.
const started = performance.now();
const [bundle, envelopesFile, warmUp, measured] = process.argv.slice(2);
const envelopes = require(envelopesFile);

(async () => {
  const { handler } = await import(bundle);
  const first = await handler(envelopes[0]);
  if (!first?.response) throw new Error('no response');
  const coldMs = performance.now() - started;
  let i = 0;
  const next = () => envelopes[i++ % envelopes.length];
  for (let n = 0; n < Number(warmUp); n++) await handler(next());
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let n = 0; n < Number(measured); n++) {
    const answer = await handler(next());
    if (!answer?.response?.outputSpeech) throw new Error('no speech');
  }
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - t0;
  process.stdout.write(JSON.stringify({ coldMs, cpuMicros: used.user + used.system, wallMs, speech: first.response.outputSpeech?.ssml }) + '\n');
  process.exit(0);
})().catch((error) => {
  process.stderr.write(`${error.name}: ${error.message}\n`);
  process.exit(1);
});
