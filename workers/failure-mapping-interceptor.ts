import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  Next,
} from '@temporalio/worker';
import { toApplicationFailure } from '../activities/to-application-failure.js';

/** Every activity's errors pass through the taxonomy on their way to Temporal. */
export class FailureMappingInterceptor implements ActivityInboundCallsInterceptor {
  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    try {
      return await next(input);
    } catch (error) {
      throw toApplicationFailure(error);
    }
  }
}
