/** Nearest-rank percentile (`p` in percent, 0–100): the smallest sample with at least p % of samples at or below it; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export const median = (values: number[]) => percentile(values, 50);

export const ratio = (ours: number, baseline: number) => `${(ours / baseline).toFixed(2)}×`;

export function table(rows: Record<string, string | number>[]): string {
  const keys = Object.keys(rows[0] ?? {});
  const width = (k: string) => Math.max(k.length, ...rows.map((r) => String(r[k]).length));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width(keys[i]!))).join(' | ')} |`;
  return [line(keys), line(keys.map((k) => '-'.repeat(width(k)))), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join('\n');
}
