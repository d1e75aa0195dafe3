#!/usr/bin/env node
// Entry point of the `second-brain` command. The project runs its TypeScript sources through
// tsx, so there is no build step between a clone and a working command.
import { register } from 'tsx/esm/api';

register();
await import('../config/quiet-sdk-warnings.ts');
const { main } = await import('../clients/cli/main.ts');
const exitCode = await main(process.argv);
process.exit(exitCode);
