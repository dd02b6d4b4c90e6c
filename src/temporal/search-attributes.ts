import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { ConfigError } from '../config';
import { SEARCH_ATTRIBUTES } from './messages';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/** The server's index type of each of our search attributes (`Keyword` → INDEXED_VALUE_TYPE_KEYWORD). */
const indexedTypeOf = (cliType: string) =>
  IndexedValueType[`INDEXED_VALUE_TYPE_${cliType.toUpperCase()}` as keyof typeof IndexedValueType];

/** The search attributes of SEARCH_ATTRIBUTES that the namespace lacks. */
export async function missingSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return SEARCH_ATTRIBUTES.filter((a) => customAttributes?.[a.name] === undefined).map((a) => a.name);
}

/**
 * Makes sure the namespace has every search attribute the workflows set: without them a workflow start
 * fails (the API would answer 500 and the worker's review starts would fail). Creates what is missing;
 * where the server does not allow that (Temporal Cloud, a locked-down cluster) it throws one sentence
 * that says how to create them. Returns the attributes it created.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  let missing: string[] = SEARCH_ATTRIBUTES.map((a) => a.name);
  try {
    missing = await missingSearchAttributes(connection, namespace);
    if (!missing.length) return [];
    const wanted = SEARCH_ATTRIBUTES.filter((a) => missing.includes(a.name));
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(wanted.map((a) => [a.name, indexedTypeOf(a.cliType)])),
    });
    return missing;
  } catch (error) {
    const wanted = SEARCH_ATTRIBUTES.filter((a) => missing.includes(a.name));
    const command = `temporal operator search-attribute create --namespace ${namespace} ${wanted.map((a) => `--name ${a.name} --type ${a.cliType}`).join(' ')}`;
    // A deployment that cannot work until an operator acts: a ConfigError, printed as its one sentence.
    throw new ConfigError(
      `Could not make sure that Temporal namespace "${namespace}" has the search attributes ${missing.join(', ')} ` +
        `(${(error as Error).message}): check TEMPORAL_NAMESPACE, or create them as an operator with: ${command}`,
      { cause: error },
    );
  }
}
