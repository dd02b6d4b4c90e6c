import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';

/**
 * The console speaks Japanese first (its users are Japanese contract admins), English when the browser
 * prefers it or the user chose it with the toggle (a cookie). Each page keeps its own words beside it, in
 * both languages: `Messages` makes a missing translation a type error.
 */
export const LANGS = ['ja', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export type Messages<K extends string> = Record<Lang, Record<K, string>>;

export const LANG_COOKIE = 'cloudsign_sync_lang';

export function chooseLang(c: Context): Lang {
  const chosen = getCookie(c, LANG_COOKIE);
  if (chosen === 'ja' || chosen === 'en') return chosen;
  return prefersEnglish(c.req.header('accept-language') ?? '') ? 'en' : 'ja';
}

/** True when the browser ranks English above Japanese (by `q`, then by order); Japanese wins a tie or absence. */
export function prefersEnglish(acceptLanguage: string): boolean {
  const ranked = acceptLanguage
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
      return { lang: tag.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, order };
    })
    .filter((entry) => (entry.lang === 'en' || entry.lang === 'ja') && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked[0]?.lang === 'en';
}

/** Dates as people read them in each language, in Japan's time zone (the service's users are there). */
export function formatDateTime(lang: Lang, value: Date | string | null | undefined): string {
  if (!value) return '—';
  return new Date(value).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(lang: Lang, value: Date | string | null | undefined): string {
  if (!value) return '—';
  return new Date(value).toLocaleDateString(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', dateStyle: 'medium' });
}

/** `{name}` placeholders filled in; one without a value stays as it is, so that a missing value shows. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

export function formatNumber(lang: Lang, value: number): string {
  return value.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB');
}
