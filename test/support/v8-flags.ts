/**
 * Vitest setup for every unit test process: the same V8 work-around as the command line
 * (cli/cedar-node.ts), for test files that load cedar-wasm directly.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-turbo-inline-js-wasm-calls');
