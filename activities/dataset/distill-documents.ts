// Asks the teacher for each document's summaries, one per augmentation loop, persisting every
// answer the moment it exists, so nothing is paid for twice.
import { Context, log } from '@temporalio/activity';
import { contentHash as hashContent } from '../../domain/document.js';
import {
  cleanSummary,
  distillationSystemPrompt,
  distillationUserMessage,
  fitInstruction,
  instructionTokenBudget,
  loopTemperatures,
  promptHash,
  summaryMaxTokens,
} from '../../domain/dataset-distillation.js';
import {
  sampleKey,
  type DistillBatchResult,
  type DistillationSettings,
  type DocumentListSlice,
} from '../../domain/dataset-version.js';
import { SecondBrainError } from '../../domain/errors.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';
import { type DatasetActivityDependencies } from './dependencies.js';
import { withHeartbeat } from '../with-heartbeat.js';
import { documentIdsOf } from './document-list.js';
import type { DatasetSourceDocument } from '../../integrations/mongo/stores/raw-documents.js';

export function documentHash(document: DatasetSourceDocument): string {
  return document.contentHash ?? hashContent(document.content);
}

/**
 * Distills one batch: the documents of `documentList` (a slice of the run's list in S3) or,
 * for workflows recorded before the list moved out of history, `documentIds`. A retried
 * attempt resumes at the heartbeated position, and every answer already persisted (by any
 * attempt or run) is reused instead of paid for again.
 */
export async function distillDocuments(
  { storage, raw, registry, teacher: teachers }: DatasetActivityDependencies,
  input: {
    documentIds?: string[];
    documentList?: DocumentListSlice;
    settings: DistillationSettings;
  },
): Promise<DistillBatchResult> {
  const { settings } = input;
  const context = Context.current();
  // A retried attempt resumes at the document the last one was on, with its counts so far.
  const resumed = context.info.heartbeatDetails as
    ({ nextIndex: number } & DistillBatchResult) | undefined;
  const resumeFrom = resumed?.nextIndex ?? 0;
  const documentIds = await documentIdsOf(storage, input);
  const teacher = await teachers.resolve(settings.teacherModel);
  const prompt = promptHash(settings);
  const systemPrompt = distillationSystemPrompt(settings.maxSummaryChars);
  const temperatures = loopTemperatures(settings.augmentationLoops, settings.temperatureStep);
  const maxTokens = summaryMaxTokens(settings.maxSummaryChars);
  const studentTokens = instructionTokenBudget(
    settings.studentContextTokens,
    settings.maxSummaryChars,
  );
  const documents = await raw.byIds(documentIds);
  const result: DistillBatchResult = {
    generated: resumed?.generated ?? 0,
    reused: resumed?.reused ?? 0,
    failed: resumed?.failed ?? [],
  };
  // A heartbeat names the document to resume at with the counts from *before* it: a retry
  // starts that document over and finds its answers persisted so far, so counting them again
  // as reused must not add to counts that already hold them as generated.
  let atDocumentStart = { ...result, failed: [...result.failed] };
  const progress = (nextIndex: number) => ({ nextIndex, ...atDocumentStart });

  for (let index = resumeFrom; index < documentIds.length; index++) {
    const documentId = documentIds[index]!;
    atDocumentStart = { ...result, failed: [...result.failed] };
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
      if (await registry.hasSample(_id)) {
        result.reused++;
        continue;
      }
      // A new call needs the teacher itself: a missing or different model fails the activity.
      const model = await teachers.forCall(teacher);
      teacher.provider = model.provider;
      instruction ??= fitInstruction(
        document.content,
        {
          studentTokens,
          teacherContextWindow: model.contextWindow,
          systemPromptTokens: model.countTokens(systemPrompt),
          answerTokens: maxTokens,
        },
        (text) => model.countTokens(text),
      );
      const fitted = instruction;
      let response: Awaited<ReturnType<ChatModel['chat']>>;
      try {
        response = await withHeartbeat(
          () =>
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
          progress(index),
        );
      } catch (error) {
        // A document the model refuses (context too long, content policy) must not fail the
        // run; retryable failures (timeouts, rate limits) and auth go to Temporal.
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
      await registry.storeSample(_id, {
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
      });
      result.generated++;
    }
  }
  atDocumentStart = { ...result, failed: [...result.failed] };
  context.heartbeat(progress(documentIds.length));
  log.info('Distilled batch', {
    documents: documentIds.length,
    ...result,
    failed: result.failed.length,
  });
  return result;
}
