/**
 * CloudSign timestamps. The spec gives two formats: microseconds (`sent_at`, `last_processed_at`,
 * `processed_at`, the `from`/`to` filters) and whole seconds (`created_at`, `updated_at`). Whether the zone is
 * `Z` or `+09:00` is not documented (cloudsign-api.md, Uncertain #3), so the zone is a parameter.
 *
 * Instants are held as integer microseconds since the epoch: 2^53 µs is the year 2255, so a plain number
 * is exact and sorts cheaply.
 */

export type Zone = 'Z' | '+09:00';

export const MICROS_PER_SECOND = 1_000_000;
const JST_OFFSET_MS = 9 * 3_600_000;

export function nowMicros(): number {
  return Date.now() * 1000;
}

function fields(ms: number, zone: Zone): string {
  const shifted = new Date(zone === 'Z' ? ms : ms + JST_OFFSET_MS);
  return shifted.toISOString().slice(0, 19);
}

/** `2024-04-01T09:30:00.123456Z` */
export function formatMicros(micros: number, zone: Zone): string {
  const ms = Math.floor(micros / 1000);
  const fraction = String(micros - Math.floor(micros / MICROS_PER_SECOND) * MICROS_PER_SECOND).padStart(6, '0');
  return `${fields(ms, zone)}.${fraction}${zone}`;
}

/** `2024-04-01T09:30:00Z`, truncated to the second. */
export function formatSeconds(micros: number, zone: Zone): string {
  return `${fields(Math.floor(micros / 1000), zone)}${zone}`;
}

/** The calendar date in Japan, the date a Japanese contract is dated: `2024-04-01`. */
export function jstDate(micros: number): string {
  return new Date(Math.floor(micros / 1000) + JST_OFFSET_MS).toISOString().slice(0, 10);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * RFC3339 with any fractional precision (none, milli, micro, nano) and `Z` or an offset, to microseconds.
 * Digits beyond the microsecond are truncated, as a server storing microseconds would. Returns undefined
 * for anything else, including a `+` that arrived as a space because the client did not URL-encode it.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const fraction = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  const offsetMinutes = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
  return (ms - offsetMinutes * 60_000) * 1000 + fraction;
}
