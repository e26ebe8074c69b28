#!/usr/bin/env node
// The `tickmark` bin: runs the TypeScript command line through tsx's loader.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
// A reader that stops early (`| head`) closes the pipe: that ends the output, not in an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import(fileURLToPath(new URL('../main.ts', import.meta.url)));
process.exitCode = await main(process.argv.slice(2), {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
});
