/**
 * "Is this a JSON object?", asked one way everywhere: what JSON.parse gave is an object, not null, not an array.
 * Hand-written rather than a schema library: it is two checks, and the skill's cold start pays for every import.
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text that must hold a JSON object; undefined for anything else (not JSON, an array, a number, null). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
