/** The explicit list of `gradstream` subcommands. */
import type { Command } from './command.ts';
import { tourCommand } from './commands/tour.ts';

export const commands: readonly Command[] = [tourCommand];
