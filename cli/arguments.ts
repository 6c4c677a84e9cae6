/**
 * Shared pieces of the command line: usage errors and how errors are printed.
 */
import { SqlError } from '../common/sql-error.js';

/** A mistake in how a command was invoked: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Prints an error the way every command does and returns the process exit code. */
export function reportError(error: unknown): number {
  if (error instanceof UsageError || isParseArgsError(error)) {
    process.stderr.write(`dmachine: ${error.message}\nRun "dmachine --help" for usage.\n`);
    return 2;
  }
  if (error instanceof SqlError) {
    const detail = error.detail ? `\nDETAIL: ${error.detail}` : '';
    process.stderr.write(`dmachine: ERROR ${error.sqlstate}: ${error.message}${detail}\n`);
    return 1;
  }
  process.stderr.write(`dmachine: ${(error as Error).stack ?? String(error)}\n`);
  return 1;
}

/** node:util parseArgs rejects unknown or malformed options with these codes. */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}
