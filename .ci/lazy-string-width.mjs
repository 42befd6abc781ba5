// string-width as the CLI bundle hands it to yargs and cliui (.ci/bundle.mjs): the real module,
// loaded the first time a width is asked for. Loading it compiles large Unicode regular
// expressions (about 70 ms, a fifth of a command's start-up), and yargs asks for widths only when
// it renders help, which most commands never do.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);
let real;

export default function stringWidth(text, options) {
  real ??= load('string-width').default;
  return real(text, options);
}
