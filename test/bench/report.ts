/** One benchmark figure, printed as a JSON line so runs can be compared. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export function print(figure: Figure): Figure {
  const value = Math.round(figure.value * 1000) / 1000;
  process.stdout.write(`${JSON.stringify({ ...figure, value })}\n`);
  return figure;
}

/** The value at rank ceil(p / 100 * n) of the sorted samples (nearest-rank). */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}
