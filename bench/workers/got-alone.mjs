// The floor under the skill's warm figure: the same API request made with got alone (keep-alive, JSON), no skill.
//   node got-alone.mjs <api url> <token> <warm-up> <measured>
import http from 'node:http';
import got from 'got';

const [apiUrl, token, warmUp, measured] = process.argv.slice(2);
const client = got.extend({ prefixUrl: apiUrl, agent: { http: new http.Agent({ keepAlive: true }) }, responseType: 'json', timeout: { request: 1350 }, retry: { limit: 1 } });
const call = () => client('v1/rides/current', { headers: { authorization: `Bearer ${token}` } });
for (let n = 0; n < Number(warmUp); n++) await call();
const cpu = process.cpuUsage();
for (let n = 0; n < Number(measured); n++) await call();
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ cpuMicros: used.user + used.system }) + '\n');
