// Activities of the summarization dataset: choose the documents, distill them with the teacher
// (every answer persisted the moment it exists, so nothing is paid for twice), build and store
// a version in the data registry (S3 files + a `datasets` entry), and publish it to the Hub.
import { Context, log } from '@temporalio/activity';
import { COLLECTIONS } from '../domain/names.js';
import { SecondBrainError } from '../domain/errors.js';
import { contentHash as hashContent } from '../domain/document.js';
import {
  cleanSummary,
  compareStrings,
  distillationSystemPrompt,
  distillationUserMessage,
  estimateTokens,
  filterSamples,
  fitToTokenBudget,
  instructionTokenBudget,
  loopTemperatures,
  promptHash,
  type CandidateSample,
} from '../domain/dataset-distillation.js';
import { shuffleAndSplit, toJsonl } from '../domain/dataset-split.js';
import { histogramBins, histogramSvg } from '../domain/dataset-charts.js';
import { DATASET_FILES, renderDatasetCard } from '../domain/dataset-card.js';
import { datasetVersionPrefix } from '../domain/storage-layout.js';
import {
  datasetVersionId,
  sampleKey,
  type DatasetVersionSummary,
  type DistillBatchResult,
  type DistillationSettings,
} from '../domain/dataset-version.js';
import type { GenerateDatasetInput } from '../domain/workflow-inputs.js';
import type { ChatModel } from '../integrations/llm/chat-model.js';
import type {
  HubRepositories,
  PublishResult,
} from '../integrations/huggingface/hub-repositories.js';
import type { MongoDatabase } from '../integrations/mongo/mongo-database.js';
import type { ObjectStorage } from '../integrations/s3/object-storage.js';

/** The fields of a `raw` document the dataset reads. */
interface RawDocument {
  _id?: unknown;
  id: string;
  metadata?: { title?: string };
  content: string;
  content_quality_score: number | null;
  contentHash?: string;
  archived?: boolean;
}

/** One persisted teacher answer (collection dataset_samples). */
export interface StoredSample {
  _id: string;
  documentId: string;
  contentHash: string;
  loop: number;
  temperature: number;
  teacher: { provider: string; model: string };
  promptHash: string;
  instruction: string;
  answer: string;
  finishReason: string;
  usage: { promptTokens: number; completionTokens: number };
  createdAt: Date;
  /** LLM calls paid for this answer: 1, unless an answer was regenerated. */
  generations: number;
}

/** One dataset version in the registry (collection datasets). */
export interface DatasetRegistryEntry {
  _id: string;
  datasetName: string;
  version: string;
  prefix: string;
  files: string[];
  sourceFilter: {
    collection: string;
    minQualityScore: number;
    minChars: number;
    limit: number | null;
  };
  counts: {
    train: number;
    validation: number;
    test: number;
    documents: number;
    dropped: Record<string, number>;
  };
  teacher: { provider: string; model: string };
  promptHash: string;
  settings: Record<string, unknown>;
  createdAt: Date;
  hub?: { repo: string; commitOid: string | undefined; publishedAt: Date };
}

/** Tokens reserved around the teacher's prompt for its chat template. */
const TEACHER_TEMPLATE_ALLOWANCE_TOKENS = 64;
/** How often a waiting activity heartbeats, so a killed worker is noticed in seconds. */
const HEARTBEAT_INTERVAL_MS = 5_000;

/** Room for the answer: twice the limit (longer answers are dropped anyway), estimated. */
export function summaryMaxTokens(maxSummaryChars: number): number {
  return estimateTokens('x'.repeat(2 * maxSummaryChars)) + 16;
}

function documentHash(document: RawDocument): string {
  return document.contentHash ?? hashContent(document.content);
}

export function createDatasetActivities({
  storage,
  mongo,
  llm,
  modelProblems = [],
  hub,
  defaultHubRepo,
}: {
  storage: ObjectStorage;
  mongo: MongoDatabase;
  /** The teacher: the worker's chat model; undefined when it could not load. */
  llm?: ChatModel;
  /** Why the chat model is missing, for the error a distillation step then fails with. */
  modelProblems?: string[];
  hub?: HubRepositories;
  defaultHubRepo?: string;
}) {
  const raw = mongo.db.collection<RawDocument>(COLLECTIONS.raw);
  const samples = mongo.db.collection<StoredSample>(COLLECTIONS.datasetSamples);
  const registry = mongo.db.collection<DatasetRegistryEntry>(COLLECTIONS.datasets);

  function chatModel(): Promise<ChatModel> {
    return llm === undefined ? Promise.reject(missingModel()) : Promise.resolve(llm);
  }

  /**
   * The teacher the samples are keyed by: the one the input names, else the worker's model.
   * A named teacher other than the worker's can still be used for answers persisted earlier;
   * only a new call needs the worker to serve it (checked in teacherForCall).
   */
  async function resolveTeacher(
    teacherModel: string | undefined,
  ): Promise<{ provider: string; model: string }> {
    if (teacherModel !== undefined) return { provider: 'unknown', model: teacherModel };
    const model = await chatModel();
    return { provider: model.provider, model: model.modelId };
  }

  async function teacherForCall(teacher: { model: string }): Promise<ChatModel> {
    const model = await chatModel();
    if (model.modelId !== teacher.model) {
      throw new SecondBrainError(
        'validation',
        `teacherModel "${teacher.model}" was requested, but this worker serves "${model.provider}/${model.modelId}" (set LLM_PROVIDER/LLM_MODEL, or omit teacherModel)`,
      );
    }
    return model;
  }

  function missingModel(): SecondBrainError {
    return new SecondBrainError(
      'permanent',
      `No chat model is available on this worker, so the dataset cannot be distilled${modelProblems.length > 0 ? ` (${modelProblems.join('; ')})` : ''}: configure LLM_PROVIDER and LLM_MODEL, or run \`second-brain models pull\` for the local model, and restart the worker`,
    );
  }

  async function findDocuments(ids: readonly string[]): Promise<Map<string, RawDocument>> {
    const found = await raw
      .find(
        { id: { $in: [...ids] } },
        {
          projection: {
            _id: 0,
            id: 1,
            metadata: 1,
            content: 1,
            content_quality_score: 1,
            contentHash: 1,
          },
        },
      )
      .toArray();
    return new Map(found.map((document) => [document.id, document]));
  }

  /** Heartbeats while a long call runs, so the server learns of a dead worker within seconds. */
  async function withHeartbeats<T>(details: unknown, work: () => Promise<T>): Promise<T> {
    const context = Context.current();
    const timer = setInterval(() => context.heartbeat(details), HEARTBEAT_INTERVAL_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  return {
    /** Ids of the documents that pass the source filter, in id order, at most `limit`. */
    async planDatasetDocuments(filter: {
      minQualityScore: number;
      minChars: number;
      limit?: number;
    }): Promise<{ documentIds: string[]; considered: number }> {
      // null scores fail $gte: unscored documents are not known to be good enough to distill.
      const cursor = raw
        .find(
          { content_quality_score: { $gte: filter.minQualityScore } },
          { projection: { _id: 0, id: 1, content: 1, archived: 1 } },
        )
        .sort({ id: 1 });
      const documentIds: string[] = [];
      let considered = 0;
      for await (const document of cursor) {
        considered++;
        if (document.archived === true) continue;
        if (
          typeof document.content !== 'string' ||
          document.content.trim().length < filter.minChars
        )
          continue;
        documentIds.push(document.id);
        if (filter.limit !== undefined && documentIds.length >= filter.limit) break;
      }
      log.info('Planned dataset documents', { selected: documentIds.length, considered });
      return { documentIds, considered };
    },

    /**
     * Asks the teacher for each document's summaries, one per augmentation loop, persisting each
     * answer at once. A retried attempt resumes at the heartbeated position, and every answer
     * already persisted (by any attempt or run) is reused instead of paid for again.
     */
    async distillDocuments({
      documentIds,
      settings,
    }: {
      documentIds: string[];
      settings: DistillationSettings;
    }): Promise<DistillBatchResult> {
      const context = Context.current();
      // A retried attempt resumes at the document the last one was on, with its counts so far.
      const resumed = context.info.heartbeatDetails as
        ({ nextIndex: number } & DistillBatchResult) | undefined;
      const resumeFrom = resumed?.nextIndex ?? 0;
      const teacher = await resolveTeacher(settings.teacherModel);
      const prompt = promptHash(settings);
      const systemPrompt = distillationSystemPrompt(settings.maxSummaryChars);
      const temperatures = loopTemperatures(settings.augmentationLoops, settings.temperatureStep);
      const maxTokens = summaryMaxTokens(settings.maxSummaryChars);
      const studentBudget = instructionTokenBudget(
        settings.studentContextTokens,
        settings.maxSummaryChars,
      );
      const documents = await findDocuments(documentIds);
      const result: DistillBatchResult = {
        generated: resumed?.generated ?? 0,
        reused: resumed?.reused ?? 0,
        failed: resumed?.failed ?? [],
      };
      const progress = (nextIndex: number) => ({ nextIndex, ...result });

      for (let index = resumeFrom; index < documentIds.length; index++) {
        const documentId = documentIds[index]!;
        context.heartbeat(progress(index));
        const document = documents.get(documentId);
        if (!document) {
          result.failed.push({ documentId, reason: 'not found in raw' });
          continue;
        }
        const documentContentHash = documentHash(document);
        let instruction: string | undefined;
        for (const [loop, temperature] of temperatures.entries()) {
          const _id = sampleKey({
            contentHash: documentContentHash,
            loop,
            temperature,
            teacherModel: teacher.model,
            promptHash: prompt,
          });
          if ((await samples.countDocuments({ _id }, { limit: 1 })) > 0) {
            result.reused++;
            continue;
          }
          // A new call needs the teacher itself: a missing or different model fails the activity.
          const model = await teacherForCall(teacher);
          teacher.provider = model.provider;
          if (instruction === undefined) {
            // The instruction must fit the student; the prompt around it must fit the teacher.
            const teacherBudget =
              model.contextWindow -
              model.countTokens(systemPrompt) -
              maxTokens -
              TEACHER_TEMPLATE_ALLOWANCE_TOKENS;
            const studentFit = fitToTokenBudget(document.content, studentBudget);
            instruction = fitToTokenBudget(studentFit, Math.max(0, teacherBudget), (text) =>
              model.countTokens(text),
            );
          }
          const fitted = instruction;
          let response: Awaited<ReturnType<ChatModel['chat']>>;
          try {
            response = await withHeartbeats(progress(index), () =>
              model.chat({
                messages: [
                  { role: 'system', content: systemPrompt },
                  {
                    role: 'user',
                    content: distillationUserMessage(document.metadata?.title ?? '', fitted),
                  },
                ],
                temperature,
                maxTokens,
              }),
            );
          } catch (error) {
            // A document the model refuses (context too long, content policy) must not fail
            // the run; retryable failures (timeouts, rate limits) and auth go to Temporal.
            if (
              error instanceof SecondBrainError &&
              (error.kind === 'validation' || error.kind === 'permanent')
            ) {
              result.failed.push({ documentId, reason: error.message });
              log.warn('Document skipped by distillation', { documentId, reason: error.message });
              break;
            }
            throw error;
          }
          // $setOnInsert: the first answer persisted wins, so a racing retry changes nothing.
          await samples.updateOne(
            { _id },
            {
              $setOnInsert: {
                documentId,
                contentHash: documentContentHash,
                loop,
                temperature,
                teacher: { ...teacher },
                promptHash: prompt,
                instruction: fitted,
                answer: cleanSummary(response.text),
                finishReason: response.finishReason,
                usage: response.usage,
                createdAt: new Date(),
              },
              // Counts the calls paid for this key: anything above 1 is a regenerated answer.
              $inc: { generations: 1 },
            },
            { upsert: true },
          );
          result.generated++;
        }
      }
      context.heartbeat(progress(documentIds.length));
      log.info('Distilled batch', {
        documents: documentIds.length,
        ...result,
        failed: result.failed.length,
      });
      return result;
    },

    /**
     * Builds the version from the persisted samples: filter, shuffle and split with the seed,
     * write the JSONL splits, card and charts under datasets/<name>/<version>/, and record it in
     * the `datasets` collection. Deterministic: the same samples and input give the same files.
     */
    async buildDatasetVersion({
      documentIds,
      input,
    }: {
      documentIds: string[];
      input: GenerateDatasetInput;
    }): Promise<DatasetVersionSummary> {
      const requested = await resolveTeacher(input.teacherModel);
      const prompt = promptHash(input);
      const documents = await findDocuments(documentIds);
      const currentHash = new Map(
        [...documents.values()].map((document) => [document.id, documentHash(document)]),
      );
      const stored = await samples
        .find({
          documentId: { $in: [...documentIds] },
          'teacher.model': requested.model,
          promptHash: prompt,
        })
        .toArray();
      // Without a chat model on this worker, the provider is known from the persisted answers.
      const teacher = stored[0]?.teacher ?? requested;
      const temperatures = loopTemperatures(input.augmentationLoops, input.temperatureStep);
      const candidates: (CandidateSample & { quality: number | null })[] = stored
        .filter(
          (sample) =>
            currentHash.get(sample.documentId) === sample.contentHash &&
            sample.loop < temperatures.length &&
            sample.temperature === temperatures[sample.loop],
        )
        .map((sample) => ({
          id: sample._id,
          documentId: sample.documentId,
          instruction: sample.instruction,
          answer: sample.answer,
          quality: documents.get(sample.documentId)?.content_quality_score ?? null,
        }));
      const { kept, dropped } = filterSamples(candidates, input.maxSummaryChars);
      const splits = shuffleAndSplit(kept, input.splits, input.seed);
      const version = datasetVersionId({
        datasetName: input.datasetName,
        splits: {
          train: splits.train.map((sample) => sample.id),
          validation: splits.validation.map((sample) => sample.id),
          test: splits.test.map((sample) => sample.id),
        },
        teacherModel: teacher.model,
        promptHash: prompt,
      });
      const prefix = datasetVersionPrefix(input.datasetName, version);
      const documentCount = new Set(kept.map((sample) => sample.documentId)).size;
      const sourceFilter = {
        collection: COLLECTIONS.raw,
        minQualityScore: input.minQualityScore,
        minChars: input.minChars,
        limit: input.limit ?? null,
      };
      const settings = {
        maxSummaryChars: input.maxSummaryChars,
        augmentationLoops: input.augmentationLoops,
        temperatures,
        splits: input.splits,
        seed: input.seed,
        studentContextTokens: input.studentContextTokens,
      };
      const counts = {
        train: splits.train.length,
        validation: splits.validation.length,
        test: splits.test.length,
        documents: documentCount,
        dropped,
      };

      // The registry entry first (createdAt set once), so the card a re-run writes is identical.
      const entryId = `${input.datasetName}@${version}`;
      await registry.updateOne(
        { _id: entryId },
        {
          $set: {
            datasetName: input.datasetName,
            version,
            prefix,
            files: Object.values(DATASET_FILES),
            sourceFilter,
            counts,
            teacher,
            promptHash: prompt,
            settings,
          },
          $setOnInsert: { createdAt: new Date() },
        },
        { upsert: true },
      );
      const entry = await registry.findOne({ _id: entryId });
      const createdAt = (entry?.createdAt ?? new Date()).toISOString();

      const rows = (split: typeof kept) =>
        toJsonl(split.map(({ instruction, answer }) => ({ instruction, answer })));
      const lengths = kept.map((sample) => sample.instruction.length);
      const lengthBins = histogramBins(lengths, { bins: 10, min: 0 });
      const qualityBins = histogramBins(
        kept.flatMap((sample) => (sample.quality === null ? [] : [sample.quality])),
        { bins: 10, min: 0, max: 1 },
      );
      const card = renderDatasetCard({
        datasetName: input.datasetName,
        version,
        createdAt,
        teacher,
        promptHash: prompt,
        systemPrompt: distillationSystemPrompt(input.maxSummaryChars),
        counts,
        documents: documentCount,
        dropped,
        sourceFilter,
        settings,
        lengthBins,
        qualityBins,
      });
      await storage.putObject(
        `${prefix}${DATASET_FILES.train}`,
        rows(splits.train),
        'application/x-ndjson',
      );
      await storage.putObject(
        `${prefix}${DATASET_FILES.validation}`,
        rows(splits.validation),
        'application/x-ndjson',
      );
      await storage.putObject(
        `${prefix}${DATASET_FILES.test}`,
        rows(splits.test),
        'application/x-ndjson',
      );
      await storage.putObject(
        `${prefix}${DATASET_FILES.lengthChart}`,
        histogramSvg({ title: 'Instruction length', xLabel: 'characters', bins: lengthBins }),
        'image/svg+xml',
      );
      await storage.putObject(
        `${prefix}${DATASET_FILES.qualityChart}`,
        histogramSvg({
          title: 'Source quality score',
          xLabel: 'content_quality_score',
          bins: qualityBins,
        }),
        'image/svg+xml',
      );
      await storage.putObject(
        `${prefix}${DATASET_FILES.card}`,
        card,
        'text/markdown; charset=utf-8',
      );
      log.info('Stored dataset version', { version, prefix, ...counts, dropped: undefined });
      return {
        datasetName: input.datasetName,
        version,
        prefix,
        train: counts.train,
        validation: counts.validation,
        test: counts.test,
        documents: documentCount,
        dropped,
      };
    },

    /** Uploads a stored version's files to the Hub dataset repo; unchanged files make no commit. */
    async publishDatasetVersion({
      datasetName,
      version,
      hubRepo,
    }: {
      datasetName: string;
      version: string;
      hubRepo?: string;
    }): Promise<Pick<PublishResult, 'repo' | 'committed' | 'commitOid'>> {
      if (!hub) {
        throw new SecondBrainError(
          'auth',
          'push: true needs HF_TOKEN (a Hugging Face token with write access)',
        );
      }
      const repo = hubRepo ?? defaultHubRepo;
      if (!repo) {
        throw new SecondBrainError(
          'validation',
          'push: true needs a dataset repo: set DATASET_REPO or the input hubRepo ("namespace/name")',
        );
      }
      const prefix = datasetVersionPrefix(datasetName, version);
      const files = [];
      for (const name of Object.values(DATASET_FILES).sort(compareStrings)) {
        const object = await storage.getObject(`${prefix}${name}`);
        if (!object)
          throw new SecondBrainError('notFound', `Dataset file ${prefix}${name} is missing in S3`);
        files.push({ path: name, content: new Uint8Array(object.body) });
      }
      const published = await hub.publish(repo, files, `Dataset ${datasetName} ${version}`);
      await registry.updateOne(
        { _id: `${datasetName}@${version}` },
        { $set: { hub: { repo, commitOid: published.commitOid, publishedAt: new Date() } } },
      );
      log.info('Published dataset version', { repo, version, committed: published.committed });
      return {
        repo: published.repo,
        committed: published.committed,
        commitOid: published.commitOid,
      };
    },
  };
}
