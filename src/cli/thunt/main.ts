// thunt, the organisers' command line (`npx thunt --help`). Exit status: 0 done, 1 the command
// failed (one line on stderr saying why), 2 a usage error.
import { CommanderError } from 'commander';
import { CliError } from './errors.ts';
import { buildProgram } from './program.ts';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and --version end here too, with exitCode 0; commander has printed what it had to.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof CliError) {
    process.stderr.write(`thunt: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    throw err; // a bug in thunt: its stack is more use than a tidy line
  }
}
