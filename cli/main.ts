#!/usr/bin/env node
/**
 * The `dmachine` command: one subcommand per file in cli/commands/.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportError, UsageError } from './arguments.js';
import { asmCommand, asmUsage, disasmCommand, disasmUsage } from './commands/assembler.js';
import { compileCommand, compileUsage, explainCommand, explainUsage } from './commands/explain.js';
import { gatewayCommand, gatewayUsage } from './commands/gateway.js';
import { keyCommand, keyUsage } from './commands/key.js';
import { nodeCommand, nodeUsage } from './commands/node.js';
import { runCommand, runUsage } from './commands/run.js';
import { startCommand, startUsage } from './commands/start.js';

type Command = (args: string[]) => number | Promise<number>;

const commands: Record<string, { run: Command; usage: string }> = {
  start: { run: startCommand, usage: startUsage },
  node: { run: nodeCommand, usage: nodeUsage },
  gateway: { run: gatewayCommand, usage: gatewayUsage },
  key: { run: keyCommand, usage: keyUsage },
  asm: { run: asmCommand, usage: asmUsage },
  disasm: { run: disasmCommand, usage: disasmUsage },
  run: { run: runCommand, usage: runUsage },
  explain: { run: explainCommand, usage: explainUsage },
  compile: { run: compileCommand, usage: compileUsage },
};

function help(): string {
  const sections = Object.values(commands).map((command) => `  ${command.usage.replace(/\n/g, '\n  ')}`);
  return `dmachine ${version()}: a distributed machine with a 512-bit memory pointer\n\nUsage:\n${sections.join('\n\n')}\n\n  dmachine --help | --version\n`;
}

/** The version in package.json, found by walking up from this file (source or dist). */
function version(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 4; depth++) {
    try {
      return (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      directory = dirname(directory);
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return 0;
  }
  if (name === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  return command.run(args);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => (process.exitCode = reportError(error)),
);
