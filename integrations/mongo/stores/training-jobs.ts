// The fine-tune pipeline's launch records and their one owner (collection `training_jobs`): one
// document per launch key, written once when the job is launched, so a retried launch finds the
// job instead of starting a second one; the watch then records progress and the outcome.
import type { Collection } from 'mongodb';
import { SecondBrainError } from '../../../domain/errors.js';
import { COLLECTIONS } from '../../../domain/names.js';
import type { TrainingBackendName } from '../../training/training-backend.js';
import type { MongoDatabase } from '../mongo-database.js';

export type TrainingJobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One launch of a training job (collection training_jobs), keyed by workflow and launch. */
export interface TrainingJobRecord {
  _id: string;
  workflowId: string;
  backend: TrainingBackendName;
  jobId: string;
  /** The Jobs namespace (hf-jobs), so every later call addresses the same job. */
  namespace: string | null;
  flavor: string;
  dryRun: boolean;
  timeoutMinutes: number;
  dataset: { name: string; version: string };
  outputRepo: string | null;
  launchedAt: Date;
  state: TrainingJobState;
  latest?: { step: number; loss: number } | null;
  failure?: { kind: string; message: string } | null;
  finishedAt?: Date;
}

export type TrainingJobLaunch = Omit<
  TrainingJobRecord,
  '_id' | 'launchedAt' | 'state' | 'latest' | 'failure' | 'finishedAt'
>;

export interface TrainingJobStore {
  find(launchKey: string): Promise<TrainingJobRecord | null>;
  /** The record of a launch; notFound when nothing was launched under the key. */
  get(launchKey: string): Promise<TrainingJobRecord>;
  /** Records a launch once: a second call with the same key keeps the first record. */
  recordLaunch(launchKey: string, launch: TrainingJobLaunch): Promise<void>;
  recordProgress(launchKey: string, latest: { step: number; loss: number }): Promise<void>;
  /** The job ended (or was stopped): its state, and what went wrong or how far it got. */
  recordEnd(
    launchKey: string,
    end: {
      state: Exclude<TrainingJobState, 'running'>;
      latest?: { step: number; loss: number } | null;
      failure?: { kind: string; message: string };
    },
  ): Promise<void>;
}

export function trainingJobsCollection(mongo: MongoDatabase): Collection<TrainingJobRecord> {
  return mongo.db.collection<TrainingJobRecord>(COLLECTIONS.trainingJobs);
}

export function createTrainingJobStore(mongo: MongoDatabase): TrainingJobStore {
  const jobs = trainingJobsCollection(mongo);
  return {
    find: (launchKey) => jobs.findOne({ _id: launchKey }),
    async get(launchKey) {
      const record = await jobs.findOne({ _id: launchKey });
      if (!record) {
        throw new SecondBrainError('notFound', `No training job was launched under ${launchKey}`);
      }
      return record;
    },
    async recordLaunch(launchKey, launch) {
      await jobs.updateOne(
        { _id: launchKey },
        { $setOnInsert: { ...launch, launchedAt: new Date(), state: 'running' } },
        { upsert: true },
      );
    },
    async recordProgress(launchKey, latest) {
      await jobs.updateOne({ _id: launchKey }, { $set: { latest } });
    },
    async recordEnd(launchKey, end) {
      await jobs.updateOne(
        { _id: launchKey },
        {
          $set: {
            state: end.state,
            ...(end.latest === undefined ? {} : { latest: end.latest }),
            ...(end.failure === undefined ? {} : { failure: end.failure }),
            finishedAt: new Date(),
          },
        },
      );
    },
  };
}
