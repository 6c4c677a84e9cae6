/**
 * UTF-8 facts about JavaScript strings, computed without encoding them: the
 * order of SQL text (by UTF-8 bytes, PostgreSQL's C collation) and byte lengths.
 */

/**
 * UTF-16 code units order as code points (and so as UTF-8 bytes) except that a
 * surrogate (an astral character) must sort after U+E000..U+FFFF. At the first
 * differing unit, when both are at or above U+D800, shift surrogates up past
 * U+FFFF's range and the high BMP range down: the usual fix-up (ICU's
 * u_strCmpCodePointOrder), with no allocation.
 */
export function compareTextByUtf8(left: string, right: string): number {
  if (left === right) return 0;
  const commonLength = left.length < right.length ? left.length : right.length;
  for (let index = 0; index < commonLength; index++) {
    let leftUnit = left.charCodeAt(index);
    let rightUnit = right.charCodeAt(index);
    if (leftUnit !== rightUnit) {
      if (leftUnit >= 0xd800 && rightUnit >= 0xd800) {
        leftUnit += leftUnit >= 0xe000 ? -0x800 : 0x2000;
        rightUnit += rightUnit >= 0xe000 ? -0x800 : 0x2000;
      }
      return leftUnit < rightUnit ? -1 : 1;
    }
  }
  return left.length < right.length ? -1 : left.length > right.length ? 1 : 0;
}

/**
 * UTF-8 length of a string, or -1 if it holds a lone surrogate, which has no
 * UTF-8 form (TextEncoder would silently put U+FFFD in its place and the row
 * would not read back equal).
 */
export function utf8Length(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit < 0xd800 || unit > 0xdfff) length += 3;
    else if (unit <= 0xdbff && index + 1 < text.length && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      index++;
    } else {
      return -1;
    }
  }
  return length;
}
