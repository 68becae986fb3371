/**
 * Yearly equivalents of pay periods, assuming full-time work: 40 h × 52 weeks = 2,080 hours.
 * A one-off payment (ONCE) says nothing about a yearly salary and is treated as unknown.
 */
const PER_YEAR: Record<string, number> = { YEARLY: 1, ANNUAL: 1, MONTHLY: 12, BIWEEKLY: 26, WEEKLY: 52, DAILY: 260, HOURLY: 2080 };

/** A feed's salary figure as a whole yearly amount, or null when unknown ("", "-1", 0, garbage). */
export function yearly(value: string | number | null | undefined, period = 'YEARLY'): number | null {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').replace(/[$,\s]/g, ''));
  const factor = PER_YEAR[period.toUpperCase()];
  if (!factor || !Number.isFinite(n) || n <= 0) return null;
  return Math.round(n * factor);
}
