// The teacher model of a distillation: which model the samples are keyed by, and the one that
// may be called for a new answer (only the worker's own chat model, and only if it is the one
// the input names).
import { SecondBrainError } from '../../domain/errors.js';
import type { ChatModel } from '../../integrations/llm/chat-model.js';

export interface Teacher {
  /**
   * The teacher the samples are keyed by: the one the input names, else the worker's model.
   * A named teacher other than the worker's can still be used for answers persisted earlier;
   * only a new call needs the worker to serve it (forCall).
   */
  resolve(teacherModel: string | undefined): Promise<{ provider: string; model: string }>;
  /** The model to call for a new answer of `teacher`; fails when this worker cannot serve it. */
  forCall(teacher: { model: string }): Promise<ChatModel>;
}

export function createTeacher(
  llm: ChatModel | undefined,
  /** Why the chat model is missing, for the error a distillation step then fails with. */
  modelProblems: readonly string[] = [],
): Teacher {
  const chatModel = (): Promise<ChatModel> =>
    llm === undefined
      ? Promise.reject(
          new SecondBrainError(
            'permanent',
            `No chat model is available on this worker, so the dataset cannot be distilled${modelProblems.length > 0 ? ` (${modelProblems.join('; ')})` : ''}: configure LLM_PROVIDER and LLM_MODEL, or run \`second-brain models pull\` for the local model, and restart the worker`,
          ),
        )
      : Promise.resolve(llm);
  return {
    async resolve(teacherModel) {
      if (teacherModel !== undefined) return { provider: 'unknown', model: teacherModel };
      const model = await chatModel();
      return { provider: model.provider, model: model.modelId };
    },
    async forCall(teacher) {
      const model = await chatModel();
      if (model.modelId !== teacher.model) {
        throw new SecondBrainError(
          'validation',
          `teacherModel "${teacher.model}" was requested, but this worker serves "${model.provider}/${model.modelId}" (set LLM_PROVIDER/LLM_MODEL, or omit teacherModel)`,
        );
      }
      return model;
    },
  };
}
