// Typed search attribute keys for workflow code (the names live in domain/names.ts).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../domain/names.js';

export const DOCUMENT_COUNT = defineSearchAttributeKey(
  SEARCH_ATTRIBUTES.documentCount.name,
  SearchAttributeType.INT,
);
