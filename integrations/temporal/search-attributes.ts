// The search attributes every run carries, so the Temporal UI can filter runs by pipeline and
// by who started them (cli, schedule, ui, api, test).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../domain/names.js';

export const PIPELINE_ATTRIBUTE = defineSearchAttributeKey(
  SEARCH_ATTRIBUTES.pipeline.name,
  SearchAttributeType.KEYWORD,
);
export const TRIGGER_ATTRIBUTE = defineSearchAttributeKey(
  SEARCH_ATTRIBUTES.trigger.name,
  SearchAttributeType.KEYWORD,
);
