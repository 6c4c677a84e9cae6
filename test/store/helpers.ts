import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { SqlError } from '../../common/sql-error.js';

/** Returns a getter for a fresh temporary directory made before, and removed after, each test. */
export function temporaryDirectoryPerTest(prefix: string): () => string {
  let directory: string | undefined;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), `dmachine-${prefix}-`));
  });
  afterEach(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
    directory = undefined;
  });
  return () => {
    if (!directory) throw new Error('temporary directory used outside a test');
    return directory;
  };
}

/** The SQLSTATE a rejected promise or throwing function failed with. */
export async function sqlstateOf(action: () => unknown): Promise<string> {
  try {
    await action();
  } catch (error) {
    if (error instanceof SqlError) return error.sqlstate;
    throw error;
  }
  throw new Error('expected an SqlError, but the action succeeded');
}
