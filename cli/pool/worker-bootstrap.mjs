// Entry of a pool worker thread when the worker bundle cannot be built (worker-bundle.ts):
// registers tsx's loader in this thread (loader hooks of the main thread do not reach
// workers), then runs the TypeScript worker module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
