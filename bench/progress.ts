/** A line of progress on stderr (a long benchmark run says where it is; the table goes to stdout). */
export function progress(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${t}] ${message}\n`);
}
