import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The tsx loader as an absolute URL: `--import tsx` alone resolves from the child's
 * working directory, which is not the project's in tests that change it.
 */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Node arguments that run a TypeScript file of this project in a child process. */
export function typescriptNodeArguments(script: string, ...args: string[]): string[] {
  return ['--import', tsxLoader, script, ...args];
}
