import { Context } from '@temporalio/activity';
import { SecondBrainError } from '../../domain/errors.js';
import { deterministicScores } from '../../domain/evaluation-run.js';
import { createEvaluationScorer } from '../../integrations/evaluation/evaluation-metrics.js';
import { evaluationCollections } from '../../integrations/evaluation/evaluation-store.js';
import { datasetItem, missingModel, runRecord, type EvaluateDependencies } from './dependencies.js';
import { withHeartbeat } from '../with-heartbeat.js';

/** Scores one answer with every metric and stores the scores. */
export function scoreEvaluationItem(
  dependencies: Pick<
    EvaluateDependencies,
    'mongo' | 'turnSteps' | 'traceIdOfTurn' | 'judge' | 'modelProblems'
  >,
) {
  const { mongo } = dependencies;
  const results = evaluationCollections(mongo.db).results;
  return async function scoreEvaluationItem(input: {
    runId: string;
    itemId: string;
    k: number;
  }): Promise<{ scored: boolean }> {
    const resultId = `${input.runId}:${input.itemId}`;
    const result = await results.findOne({ _id: resultId });
    if (!result) throw new SecondBrainError('notFound', `No answer stored for ${resultId}`);
    if (result.scores) return { scored: true };
    if (result.answer === undefined) return { scored: false };
    const judge = dependencies.judge;
    if (!judge) throw missingModel(dependencies, 'judge model');
    const run = await runRecord(mongo, input.runId);
    const item = await datasetItem(mongo, run, input.itemId);
    const steps = await dependencies.turnSteps.toolSteps(result.turnId);
    steps.sort((a, b) => a.step - b.step || (a.index ?? 0) - (b.index ?? 0));
    const searches = steps.filter((step) => step.call?.name === 'search_knowledge_base');
    const sources = steps.flatMap((step) => step.sources ?? []);
    // Retrieval is judged on the first search (the question itself when searching first).
    const ranked = (searches[0]?.sources ?? []).map((source) => source.documentId);
    const cited = new Set((result.sources ?? []).map((source) => source.n));
    const contexts = [
      ...sources.filter((source) => cited.has(source.n)),
      ...sources.filter((source) => !cited.has(source.n)),
    ].map((source) => source.text);
    const scorer = createEvaluationScorer(judge);
    const context = Context.current();
    const { scores, errors } = await withHeartbeat(() =>
      scorer.score(
        {
          question: item.question,
          answer: result.answer!,
          contexts,
          retrievedDocumentIds: ranked,
          relevantDocumentIds: item.sourceDocumentIds,
          k: input.k,
        },
        () => context.heartbeat(),
      ),
    );
    Object.assign(scores, deterministicScores(item, result, sources));
    const traceId = await dependencies.traceIdOfTurn(result.turnId);
    await results.updateOne(
      { _id: resultId },
      {
        $set: {
          scores,
          errors,
          scoredAt: new Date(),
          ...(traceId !== undefined ? { traceId } : {}),
        },
      },
    );
    return { scored: true };
  };
}
