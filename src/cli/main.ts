#!/usr/bin/env node
import { VERSION } from '../version.js';
import { COMMANDS, type Command } from './commands.js';
import { UsageError } from './usage-error.js';

const USAGE = `switchyard ${VERSION} — service registry, API gateway, sidecar and resilience toolkit

Usage: switchyard <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Options:
  -h, --help     show help (also: switchyard <command> --help)
  -v, --version  print the version
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command: Command | undefined = COMMANDS[name];
  if (!command) {
    throw new UsageError(`unknown command "${name}" (see switchyard --help)`);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const module = await command.load();
  return module.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const e = error as { code?: string; message?: string };
    process.stderr.write(
      `switchyard: ${e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}\n`,
    );
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
