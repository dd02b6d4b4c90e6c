/**
 * A Postgres array literal, for binding a list to one `?::text[]` (or `uuid[]`) parameter: the query builder
 * would otherwise spread a JavaScript array into a list of parameters. Every element is quoted, so commas,
 * braces, quotes and spaces in IDs are safe; null stays NULL.
 */
export function sqlArray(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}
