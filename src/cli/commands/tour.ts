/** `gradstream tour`: what `npm start` runs. The primer's worked examples, step by step. */
import type { Command } from '../command.ts';
import { primerWalkthrough } from '../../primer/walkthrough.ts';

export const tourCommand: Command = {
  name: 'tour',
  summary: 'the guided tour that `npm start` runs',
  usage: 'gradstream tour',
  async run(_args, { stdout }) {
    stdout.write(primerWalkthrough() + '\n');
    return 0;
  },
};
