// The typed keys of the custom search attributes every process sets when it starts a workflow
// (names in domain/names.ts), so the CLI, schedules and the agent-turn port agree on them.
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
