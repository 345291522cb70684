// Runs a preview1 module under Node's node:wasi (the real uvwasi) with the process's own stdio:
//   node run_under_node.mjs MODULE.wasm [--env=NAME=VALUE]... [ARG]...
// The guest sees argv [MODULE.wasm, ARG...] (what wasio-run gives it) and exactly the --env
// variables. The exit status is the guest's proc_exit code.
import { WASI } from 'node:wasi';
import { readFileSync } from 'node:fs';

const [modulePath, ...rest] = process.argv.slice(2);
const env = {};
const args = [modulePath];
for (const word of rest) {
  if (word.startsWith('--env=')) {
    const pair = word.slice('--env='.length);
    const equals = pair.indexOf('=');
    env[pair.slice(0, equals)] = pair.slice(equals + 1);
  } else {
    args.push(word);
  }
}
const wasi = new WASI({ version: 'preview1', args, env, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
