/**
 * parser/cst-types.ts is generated from the grammar by chevrotain's
 * generateCstDts: the typed children of every CST node, and the visitor
 * interface cst-to-ast.ts implements. A test compares the file with
 * renderCstTypes() and regenerates it on request (see grammar-docs.ts).
 */
import { generateCstDts } from 'chevrotain';
import { sqlGrammar } from './grammar.js';
import { regenerateGeneratedFilesCommand } from './grammar-docs.js';

export const cstTypesPath = 'parser/cst-types.ts';

export function renderCstTypes(): string {
  const header = `/**
 * Generated from parser/grammar.ts by chevrotain's generateCstDts (parser/cst-types-generator.ts).
 * Do not edit; regenerate with: ${regenerateGeneratedFilesCommand}
 */
`;
  return header + generateCstDts(sqlGrammar.getGAstProductions(), { visitorInterfaceName: 'SqlCstVisitor' });
}
