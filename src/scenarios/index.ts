/** The explicit list of scenarios that `gradstream run` knows, in the order `--list` shows them. */
import type { Scenario } from './scenario.ts';
import { simplest } from './simplest.ts';
import { deeper } from './deeper.ts';
import { wider } from './wider.ts';
import { primerTypos } from './primerTypos.ts';
import { customLayer } from './customLayer.ts';
import { tfjsCustomGrad } from './tfjsCustomGrad.ts';
import { xor } from './xor.ts';
import { iris } from './iris.ts';
import { mnist } from './mnist.ts';
import { convMnist } from './convMnist.ts';
import { attention } from './attention.ts';

export const scenarios: readonly Scenario[] = [simplest, deeper, wider, primerTypos, customLayer, tfjsCustomGrad, xor, iris, mnist, convMnist, attention];

/** The scenario of a name, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((scenario) => scenario.name === name);
}
