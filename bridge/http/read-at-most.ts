/**
 * An answer's body as text, read to at most `max` bytes — the announced length or the bytes received so far, whichever
 * tells first — after which the stream is destroyed and the answer is undefined: a huge (or endless) answer costs at
 * most that much memory and ends the connection at once.
 *
 * Read here rather than with the SDK's stream collector, which first asks whether the body is a web ReadableStream:
 * touching that global loads Node's web streams (~3 ms of a Lambda cold start for a body that is a Node stream).
 */
import type { Readable } from 'node:stream';

export async function readAtMost(body: Readable, max: number, announcedLength?: string): Promise<string | undefined> {
  if (Number(announcedLength ?? 0) > max) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
