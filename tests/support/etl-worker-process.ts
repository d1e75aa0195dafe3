// An offline worker in its own process, on the task queue given as the first argument, so a
// test can SIGKILL it mid-run and start another.
//   node --import tsx tests/support/etl-worker-process.ts <taskQueue>
import '../../config/quiet-sdk-warnings.js';
import { createOfflineActivities } from '../../workers/offline-activities.js';
import { loadConfig } from '../../config/environment.js';
import { createWorker } from '../../workers/create-worker.js';
import { openDependencies } from '../../workers/dependencies.js';

const taskQueue = process.argv[2];
if (!taskQueue) throw new Error('usage: etl-worker-process.ts <taskQueue>');
const config = loadConfig();
const dependencies = await openDependencies(config);
const worker = await createWorker(config, {
  taskQueue,
  workflows: 'offline',
  activities: createOfflineActivities({ ...dependencies, crawlRetryBackoffMs: 100 }),
  onClose: () => dependencies.close(),
});
process.stderr.write('worker ready\n');
await worker.run();
