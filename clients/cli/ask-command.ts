import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig } from '../../config/environment.js';
import { askQuestion, CONVERSATION_ID_PATTERN } from '../agent-client.js';
import { connectClient } from '../temporal-client.js';
import { describeError, note, printJson, printLine } from './output.js';

export class InvalidConversationIdError extends Error {}

export function registerAskCommand(program: Command): void {
  program
    .command('ask')
    .description('Ask the assistant a question over your knowledge base (needs `worker agent`)')
    .argument('<question>', 'the question')
    .option('--conversation <id>', 'continue this conversation (default: a new one)')
    .option('--json', 'print {"answer","sources":[{"n","url","title"}],"conversationId"}')
    .action(async (question: string, options: { conversation?: string; json?: boolean }) => {
      if (options.conversation !== undefined && !CONVERSATION_ID_PATTERN.test(options.conversation))
        throw new InvalidConversationIdError(
          `--conversation must be 8-64 letters, digits, - or _ (got ${JSON.stringify(options.conversation)})`,
        );
      const config = loadConfig();
      const client = await connectClient(config);
      try {
        if (!options.json) note('Thinking...');
        const result = await askQuestion(client, config, {
          question,
          conversationId: options.conversation,
          trigger: 'cli',
        });
        if (options.json) {
          printJson({
            answer: result.answer,
            sources: result.sources.map(({ n, url, title }) => ({ n, url, title })),
            conversationId: result.conversationId,
          });
          return;
        }
        printLine(result.answer);
        if (result.sources.length > 0) {
          printLine();
          printLine('Sources:');
          for (const source of result.sources)
            printLine(`  [${source.n}] ${source.title} ${source.url}`);
        }
        note(
          `\nConversation: ${result.conversationId} (continue with --conversation ${result.conversationId})`,
        );
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) {
          note(`error: the agent could not answer: ${describeError(error.cause ?? error)}`);
          process.exitCode = 1;
          return;
        }
        throw error;
      } finally {
        await client.connection.close();
      }
    });
}
