import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes that let an operator find a connection in the Web UI or with
 * `temporal workflow list --query "ManagementId = 'CS-0001'"`, and what waits for a reviewer with
 * `--query "ReviewStatus = 'pending'"`.
 */
export const MANAGEMENT_ID = defineSearchAttributeKey('ManagementId', SearchAttributeType.KEYWORD);
export const CONNECTION_STATUS = defineSearchAttributeKey('ConnectionStatus', SearchAttributeType.KEYWORD);
/** `pending` | `approved` | `discarded`, on each review workflow: `ReviewStatus = 'pending'` lists what waits. */
export const REVIEW_STATUS = defineSearchAttributeKey('ReviewStatus', SearchAttributeType.KEYWORD);

/** What a server must register (`temporal operator search-attribute create`, or at dev-server start). */
export const SEARCH_ATTRIBUTES = [
  { name: MANAGEMENT_ID.name, cliType: 'Keyword' },
  { name: CONNECTION_STATUS.name, cliType: 'Keyword' },
  { name: REVIEW_STATUS.name, cliType: 'Keyword' },
] as const;
