/** The value the rnd SIGKILL test writes under index N, shared by child and parent. */
export function killTestValue(index: number): Buffer {
  return Buffer.from(`value-${index}-`.repeat(1 + (index % 50)));
}
