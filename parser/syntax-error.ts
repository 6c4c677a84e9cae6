/**
 * The one error the parser throws. It is an SqlError, so the wire layer sends
 * it as is, plus the `position` field of PostgreSQL's ErrorResponse ('P') and an
 * optional hint ('H').
 *
 * SQLSTATE is 42601 (syntax_error) except where PostgreSQL's scanner uses
 * another: an invalid Unicode escape in E'' (22025), escapes that do not make
 * valid UTF-8 (22021), float(p) out of range (22023), and nesting too deep to
 * parse (54001).
 */
import { SqlError, SqlState, type SqlStateCode } from '../common/sql-error.js';

export class SqlSyntaxError extends SqlError {
  /** 1-based position in characters (code points) of the whole statement text, as PostgreSQL reports it. */
  declare readonly position: number;

  constructor(sqlstate: SqlStateCode, message: string, position: number, options: { detail?: string; hint?: string } = {}) {
    super(sqlstate, message, { ...options, position });
    this.name = 'SqlSyntaxError';
  }
}

/**
 * The 1-based character position of a UTF-16 offset into `text`: what PostgreSQL
 * calls the cursor position. Characters outside the BMP count once, as in
 * PostgreSQL, though JavaScript stores them as two code units.
 */
export function characterPosition(text: string, offset: number): number {
  let position = 1;
  const end = Math.min(offset, text.length);
  for (let index = 0; index < end; index++) {
    const code = text.charCodeAt(index);
    // The second half of a surrogate pair does not start a character.
    if (code < 0xdc00 || code > 0xdfff || index === 0 || !isHighSurrogate(text.charCodeAt(index - 1))) position++;
  }
  return position;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** An error at a UTF-16 offset of `text`. */
export function syntaxErrorAt(text: string, offset: number, message: string, options: { sqlstate?: SqlStateCode; detail?: string; hint?: string } = {}): SqlSyntaxError {
  return new SqlSyntaxError(options.sqlstate ?? SqlState.syntaxError, message, characterPosition(text, offset), options);
}
