/** One autocannon run against a URL with a fixed POST body, reduced to the figures the load section prints. */
import autocannon, { type AutocannonOptions, type AutocannonResult } from 'autocannon';

export interface LoadRun {
  url: string;
  body: string;
  /** Bodies handed to the connections in turn (e.g. one user each), instead of `body` for all of them. */
  bodies?: string[];
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** Whether an answer body is the one expected; the others are counted as `mismatches`. */
  expectBody?: (body: string) => boolean;
}

export interface LoadFigures {
  requestsPerSecond: number;
  /** Completed requests. */
  total: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and timeouts, non-2xx answers, and 2xx answers that were not the expected one. */
  errors: number;
  non2xx: number;
  mismatches: number;
}

/** The parts of autocannon 9's API that local/auth/vendor-types.d.ts leaves out. */
type FullOptions = AutocannonOptions & {
  verifyBody?: (body: string) => boolean;
  setupClient?: (client: { setBody(body: string): void }) => void;
};
type FullResult = AutocannonResult & { mismatches: number; duration: number };

export async function runLoad(run: LoadRun): Promise<LoadFigures> {
  let nextBody = 0;
  const bodies = run.bodies;
  const options: FullOptions = {
    url: run.url,
    method: 'POST',
    headers: run.headers,
    body: run.body,
    connections: run.connections,
    duration: run.durationSeconds,
    pipelining: 1,
    ...(run.expectBody ? { verifyBody: run.expectBody } : {}),
    ...(bodies && bodies.length > 0 ? { setupClient: (client) => client.setBody(bodies[nextBody++ % bodies.length]!) } : {}),
  };
  const result = (await autocannon(options)) as FullResult;
  return {
    requestsPerSecond: result.requests.total / result.duration,
    total: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors, // autocannon counts timeouts among them
    non2xx: result.non2xx,
    mismatches: result.mismatches,
  };
}
