/**
 * Runs the VM spec scripts (test/vm/spec/*.dmspec, docs/vm-spec-tests.md)
 * against the interpreter: one describe per script, one it per case, each
 * script on its own LocalMemory in a temporary directory. Another execution
 * tier runs the same scripts with `describeSpecScripts(itsEngine, ...)` from
 * spec-script.ts.
 */
import { describe, expect, it } from 'vitest';
import { execute } from '../../vm/interpreter.js';
import { describeSpecScripts, opcodesNotCovered, type KnownBug } from './spec-script.js';

/**
 * Cases the interpreter is known to fail, each named by file and the case's
 * `; label`. They run as expected failures (it.fails), so fixing the bug turns
 * the case red until its entry here is removed.
 */
const interpreterKnownBugs: readonly KnownBug[] = [];

const scripts = describeSpecScripts(execute, { knownBugs: interpreterKnownBugs });

describe('the spec scripts', () => {
  it('run every opcode of the instruction table in some case', () => {
    expect(opcodesNotCovered(scripts, interpreterKnownBugs)).toEqual([]);
  });

  it('are a few hundred cases', () => {
    const cases = scripts.reduce((total, script) => total + script.cases.length, 0);
    expect(cases).toBeGreaterThanOrEqual(300);
  });
});
