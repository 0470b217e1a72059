/** The explicit list of `gradstream` subcommands. */
import type { Command } from './command.ts';
import { tourCommand } from './commands/tour.ts';
import { replayCommand } from './commands/replay.ts';
import { runCommand } from './commands/run.ts';
import { checkCommand } from './commands/check.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { reproCommand } from './commands/repro.ts';
import { exportCommand } from './commands/export.ts';

export const commands: readonly Command[] = [tourCommand, runCommand, replayCommand, dashboardCommand, checkCommand, reproCommand, exportCommand];
