/**
 * An answer's body as text, read to at most `max` bytes; past that, undefined — and leaving the loop destroys the
 * stream, so the connection is closed at once and a huge (or endless) answer costs at most that much memory.
 *
 * Read here rather than with the SDK's stream collector, which first asks whether the body is a web ReadableStream:
 * touching that global loads Node's web streams (~3 ms of a Lambda cold start for a body that is a Node stream).
 */
import type { Readable } from 'node:stream';

export async function readAtMost(body: Readable, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
