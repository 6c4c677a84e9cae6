/**
 * `dmachine start [--data DIR]`: the embedded default (DESIGN §7).
 *
 * Today it opens (creating if needed) the node's memory in DIR, reports what is
 * stored and how it is made durable, and exits: the PostgreSQL frontend that will
 * keep it serving on 127.0.0.1:5433 is not built yet.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalMemory } from '../../store/local-memory.js';
import { UsageError } from '../arguments.js';

export const dataDirectoryDefault = './data';

export const startUsage = `dmachine start [--data DIR]
    Open the embedded single-node memory in DIR (default ${dataDirectoryDefault}), creating it
    if needed, and report its state. The PostgreSQL frontend is not available yet.`;

export async function startCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { data: { type: 'string' } }, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`start takes no arguments, got "${positionals.join(' ')}"`);
  const directory = resolve(values.data ?? dataDirectoryDefault);
  const memory = LocalMemory.open(directory);
  try {
    const { journalMode, synchronous } = memory.store.durabilitySettings();
    process.stdout.write(
      `dmachine: memory open in ${directory}\n` +
        `  rnd store ${memory.store.path} (journal_mode=${journalMode}, synchronous=${synchronous})\n` +
        `  words stored: ${memory.store.countWords()}\n` +
        `dmachine: the PostgreSQL frontend is not available yet; nothing more to serve, exiting.\n`,
    );
  } finally {
    await memory.close();
  }
  return 0;
}
