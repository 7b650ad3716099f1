/** Vault prints RFC 3339 with nanoseconds; keep milliseconds. */
export function parseVaultTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(trimmed);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
