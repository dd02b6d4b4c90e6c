import { z } from 'zod';

/**
 * A character that is not white space as JavaScript's `trim()` knows it, spelt out: `\S` means other things to
 * other regex engines (Python's counts U+001C–U+001F as space, and U+FEFF not), and this pattern goes into the
 * API's OpenAPI document for clients of every language.
 */
export const NOT_BLANK = /[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/**
 * Text a person names something with: 1 to `maxLength` characters as sent, not only white space, stored trimmed.
 * The bounds are checked before trimming, so what the schema states is exactly what is accepted.
 */
export const nonBlankText = (maxLength: number) =>
  z.string().min(1).max(maxLength).regex(NOT_BLANK, 'must hold more than white space').trim();
