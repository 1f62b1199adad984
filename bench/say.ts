/** The bench's progress line on stdout, time-stamped. */
export const say = (line: string): void => {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};
