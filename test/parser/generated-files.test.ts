/**
 * docs/sql-grammar.md and parser/cst-types.ts are generated from the grammar;
 * this test keeps them in step with it. Regenerate after a reviewed change with:
 *   UPDATE_DOCS=1 npx vitest run test/parser/generated-files.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeKinds } from '../../parser/ast-children.js';
import { cstTypesPath, renderCstTypes } from '../../parser/cst-types-generator.js';
import { grammarDocsPath, regenerateGeneratedFilesCommand, renderGrammarDocs } from '../../parser/grammar-docs.js';
import { sqlGrammar } from '../../parser/grammar.js';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function expectUpToDate(path: string, rendered: string): void {
  const file = join(repositoryRoot, path);
  if (process.env['UPDATE_DOCS'] === '1') writeFileSync(file, rendered);
  const written = existsSync(file) ? readFileSync(file, 'utf8') : '';
  expect(written === rendered, `${path} is out of date with the grammar; regenerate it with: ${regenerateGeneratedFilesCommand}`).toBe(true);
}

describe('generated files', () => {
  it('docs/sql-grammar.md matches the grammar', () => {
    expectUpToDate(grammarDocsPath, renderGrammarDocs());
  });

  it('parser/cst-types.ts matches the grammar', () => {
    expectUpToDate(cstTypesPath, renderCstTypes());
  });

  it('the docs print every grammar rule and describe every AST node kind once', () => {
    const docs = renderGrammarDocs();
    for (const rule of Object.keys(sqlGrammar.getGAstProductions())) expect(docs).toMatch(new RegExp(`^${rule} +::= `, 'm'));
    for (const kind of nodeKinds) expect(docs.split('\n').filter((line) => line.startsWith(`| \`${kind}\` |`)), kind).toHaveLength(1);
  });
});
