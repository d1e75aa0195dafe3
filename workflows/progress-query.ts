import { defineQuery } from '@temporalio/workflow';
import type { PipelineProgress } from '../domain/progress.js';

/**
 * The `progress` query of the pipelines: stages with done/failed/pending counts, which
 * `run --wait` draws as progress bars. (ETL answers the same query name with its richer shape,
 * which the client normalizes.)
 */
export const progressQuery = defineQuery<PipelineProgress>('progress');
